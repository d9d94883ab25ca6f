"""A firm's people: search, filters and pages, and enrolling the ticked ones at once."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from surveys.db.models import Firm, Programme
from surveys.domain.vocab import LEVELS, ROLES
from surveys.services.errors import ServiceError
from surveys.services.members import programmes_of_members
from surveys.services.people import (
    ENROLMENT_FILTERS,
    PeopleFilter,
    enrol_many,
    filter_options,
    find_people,
)
from webapp import current
from webapp.admin.blueprint import bp
from webapp.admin.forms import EnrolSelectedForm
from webapp.auth.access import firm_or_404, login_required
from webapp.errors import sentence

#: No people list has this many pages; a larger page number is refused (400).
MAX_PAGE = 100_000


def people_filter(args: MultiDict[str, str]) -> PeopleFilter:
    """The search and filters of a people page from its query string (bad values ignored,
    a page number past any list refused)."""
    try:
        page = max(1, int(args.get("page", "1")))
    except ValueError:
        page = 1
    if page > MAX_PAGE:
        abort(400, f"There is no page {page}: pages go from 1 to at most {MAX_PAGE:,}.")
    level = args.get("level", "")
    enrolment = args.get("enrolment", "")
    return PeopleFilter(
        search=args.get("q", "").strip()[:200],
        level=level if level in LEVELS else "",
        practice_area=args.get("practice_area", "").strip()[:100],
        office=args.get("office", "").strip()[:100],
        enrolment=enrolment if enrolment in ENROLMENT_FILTERS else "",
        page=page,
    )


def page_args(wanted: PeopleFilter, **changes: object) -> dict[str, object]:
    """The query string of another page of the same search."""
    values: dict[str, object] = {
        "q": wanted.search,
        "level": wanted.level,
        "practice_area": wanted.practice_area,
        "office": wanted.office,
        "enrolment": wanted.enrolment,
        **changes,
    }
    return {k: v for k, v in values.items() if v}


def _programmes(firm: Firm) -> list[Programme]:
    """The open programmes of which the firm is a member (its own, and shared ones)."""
    session = current.session()
    ids = sorted(programmes_of_members(session, [firm.id]))
    return list(
        session.scalars(
            select(Programme)
            .where(Programme.id.in_(ids), Programme.status != "closed")
            .order_by(Programme.name)
        )
    )


def _page(firm: Firm, form: EnrolSelectedForm, status: int = 200) -> ResponseReturnValue:
    session = current.session()
    programmes = _programmes(firm)
    form.programme_id.choices = [SelectChoice(p.id, p.name) for p in programmes]
    chosen = request.args.get("programme", type=int)
    programme = next((p for p in programmes if p.id == chosen), None)
    wanted = people_filter(request.args)
    found = find_people(session, firm.id, wanted, programme.id if programme else None)
    if programme is not None and not form.is_submitted():
        form.programme_id.data = programme.id
    return render_template(
        "admin/people.html",
        firm=firm,
        found=found,
        wanted=wanted,
        page_args=page_args,
        programme=programme,
        programmes=programmes,
        options=filter_options(session, firm.id),
        levels=LEVELS,
        roles=ROLES,
        enrolment_filters=ENROLMENT_FILTERS[1:],
        form=form,
    ), status


@bp.get("/firms/<int:firm_id>/people")
@login_required("admin", "lead")
def people(firm_id: int) -> ResponseReturnValue:
    return _page(firm_or_404(firm_id), EnrolSelectedForm(prefix="selected"))


@bp.post("/firms/<int:firm_id>/people/enrol")
@login_required("admin", "lead")
def enrol_selected(firm_id: int) -> ResponseReturnValue:
    firm = firm_or_404(firm_id)
    form = EnrolSelectedForm(prefix="selected")
    programmes = {p.id: p for p in _programmes(firm)}
    form.programme_id.choices = [SelectChoice(p.id, p.name) for p in programmes.values()]
    if not form.validate_on_submit():
        return _page(firm, form, 422)
    programme = programmes.get(form.programme_id.data)
    if programme is None:
        abort(404)
    try:
        chosen = sorted({int(v) for v in request.form.getlist("person")})
    except ValueError:
        abort(400)
    if not chosen:
        form.programme_id.errors = ["Please tick the people to enrol."]
        return _page(firm, form, 422)
    session = current.session()
    try:
        result = enrol_many(session, programme.id, [(p, form.role.data or "") for p in chosen])
    except ServiceError as exc:
        session.rollback()
        form.programme_id.errors = [sentence(exc)]
        return _page(firm, form, exc.status)
    session.commit()
    flash(f"{programme.name}: {result}.", "info")
    return redirect(
        url_for("admin.people", firm_id=firm.id, programme=programme.id, enrolment="enrolled"),
        code=303,
    )
