"""Pairing suggestions: the admin accepts, edits (another mentee) or rejects each one.

Nothing is paired unless the admin accepts it. Rejections and the weights live in
the page's query string (``reject=<mentor id>-<mentee id>``, ``gender``,
``background``), so the page works without JavaScript and without storing drafts;
every accept recomputes the best set of pairs among the people still unpaired.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from surveys.db.models import Programme
from surveys.domain.pairing import Weights
from surveys.services.errors import ServiceError
from surveys.services.member_people import people_shown
from surveys.services.programmes import create_pairing
from surveys.services.suggestions import programme_suggestions
from webapp import current
from webapp.admin.blueprint import bp
from webapp.admin.forms import ConfirmForm
from webapp.admin.pairings import person_id_in
from webapp.auth.access import login_required, programme_or_404, signed_in
from webapp.errors import sentence

MAX_WEIGHT = 5.0


def _weight(args: MultiDict[str, str], name: str, default: float) -> float:
    try:
        value = float(args.get(name, default))
    except ValueError:
        return default
    return min(MAX_WEIGHT, max(0.0, value)) if value == value else default


def _state(args: MultiDict[str, str]) -> tuple[Weights, set[tuple[int, int]]]:
    """The weights and the rejected (mentor id, mentee id) pairs of the page's query string."""
    defaults = Weights()
    weights = Weights(
        gender=_weight(args, "gender", defaults.gender),
        background=_weight(args, "background", defaults.background),
    )
    rejected = set()
    for value in args.getlist("reject")[:1000]:
        mentor, _, mentee = value.partition("-")
        if mentor.isdigit() and mentee.isdigit():
            rejected.add((int(mentor), int(mentee)))
    return weights, rejected


def _query(weights: Weights, rejected: set[tuple[int, int]]) -> dict[str, Any]:
    return {
        "gender": weights.gender,
        "background": weights.background,
        "reject": [f"{m}-{e}" for m, e in sorted(rejected)],
    }


def _back(programme: Programme, args: MultiDict[str, str]) -> ResponseReturnValue:
    weights, rejected = _state(args)
    return redirect(
        url_for(
            "admin.pairing_suggestions", programme_id=programme.id, **_query(weights, rejected)
        ),
        code=303,
    )


@bp.get("/programmes/<int:programme_id>/suggestions")
@login_required("admin", "lead")
def pairing_suggestions(programme_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    weights, rejected = _state(request.args)
    session = current.session()
    shown = people_shown(session, signed_in(), programme)
    people, suggestions = programme_suggestions(session, programme.id, weights, rejected, shown)
    return render_template(
        "admin/suggestions.html",
        programme=programme,
        free=people,
        suggestions=suggestions,
        weights=weights,
        rejected=rejected,
        query=_query(weights, rejected),
        today=date.today(),
        form=ConfirmForm(),
    )


@bp.post("/programmes/<int:programme_id>/suggestions/accept")
@login_required("admin", "lead")
def accept_suggestions(programme_id: int) -> ResponseReturnValue:
    """Pair each ``pair`` (``<mentor HR id>=<mentee HR id>``) sent: one, edited, or all shown."""
    programme = programme_or_404(programme_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        starts_on = date.fromisoformat(
            request.form.get("starts_on", "") or date.today().isoformat()
        )
    except ValueError:
        flash("Please give the start date as YYYY-MM-DD.", "error")
        return _back(programme, request.args)
    pairs = [p.partition("=")[::2] for p in request.form.getlist("pair")]
    if "mentor" in request.form:  # one row, its mentee possibly edited
        pairs = [(request.form["mentor"], request.form.get("mentee", ""))]
    if not pairs:
        abort(400)
    session = current.session()
    try:
        for mentor, mentee in pairs:
            create_pairing(
                session,
                programme.id,
                person_id_in(programme, mentor),
                person_id_in(programme, mentee),
                starts_on,
            )
    except ServiceError as exc:
        session.rollback()
        flash(f"Nothing was paired: {sentence(exc)}", "error")
        return _back(programme, request.args)
    session.commit()
    if len(pairs) == 1:
        flash(f"{pairs[0][0]} now mentors {pairs[0][1]}.", "info")
    else:
        flash(f"{len(pairs)} pairings started.", "info")
    return _back(programme, request.args)
