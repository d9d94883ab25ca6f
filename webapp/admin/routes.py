"""Programme administration for admins and the firm's D&I leads: meetings and climate rounds."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from wtforms import SelectChoice

from surveys import disclosure
from surveys.db.models import Meeting, Pairing, Person, Programme, SurveyRound
from surveys.services.audience import Audience, round_audience
from surveys.services.errors import ServiceError
from surveys.services.invitations import launch_round, opted_out_people
from surveys.services.meetings import report_meeting
from surveys.services.member_people import people_shown
from webapp import current
from webapp.admin.blueprint import bp
from webapp.admin.forms import LaunchRoundForm, RecordMeetingForm
from webapp.auth.access import login_required, programme_or_404, signed_in
from webapp.errors import sentence


def _forms(programme: Programme) -> tuple[RecordMeetingForm, LaunchRoundForm]:
    meeting_form = RecordMeetingForm(prefix="meeting")
    session = current.session()
    shown = people_shown(session, signed_in(), programme)
    mentor, mentee = aliased(Person), aliased(Person)
    pairings = session.execute(
        select(Pairing.id, mentor, mentee)
        .join(mentor, mentor.id == Pairing.mentor_id)
        .join(mentee, mentee.id == Pairing.mentee_id)
        .where(Pairing.programme_id == programme.id, Pairing.ended_on.is_(None))
    )
    # Sorted by the label the reader sees, so another member's names never order the list.
    choices = sorted(
        (f"{shown.label(a, 'mentor')} with {shown.label(b, 'mentee')}", pairing_id)
        for pairing_id, a, b in pairings
    )
    meeting_form.pairing_id.choices = [
        SelectChoice(str(pairing_id), label) for label, pairing_id in choices
    ]
    if meeting_form.held_on.data is None:
        meeting_form.held_on.data = date.today()
    return meeting_form, LaunchRoundForm(prefix="round")


def audience(programme: Programme) -> Audience:
    """Who a round would invite, against the firm's k (or the global one)."""
    k = programme.firm.min_group_size or current.settings().min_group_size
    return round_audience(current.session(), programme.id, k)


def _page(
    programme: Programme,
    meeting_form: RecordMeetingForm,
    round_form: LaunchRoundForm,
    status: int = 200,
) -> ResponseReturnValue:
    session = current.session()
    meetings = session.scalar(
        select(func.count())
        .select_from(Meeting)
        .join(Pairing)
        .where(Pairing.programme_id == programme.id)
    )
    rounds = session.scalars(
        select(SurveyRound)
        .where(SurveyRound.programme_id == programme.id)
        .order_by(SurveyRound.opened_on)
    ).all()
    # A head count of people who opted out, shown only at k like every other count.
    policy = disclosure.Policy.for_firm(
        programme.firm.min_group_size, current.settings().min_group_size
    )
    opted_out = disclosure.count(opted_out_people(session, programme), policy)
    return render_template(
        "admin/programme.html",
        programme=programme,
        opted_out=opted_out,
        meetings=meetings,
        rounds=rounds,
        meeting_form=meeting_form,
        round_form=round_form,
        audience=audience(programme),
    ), status


@bp.get("/programmes/<int:programme_id>")
@login_required("admin", "lead")
def programme(programme_id: int) -> ResponseReturnValue:
    found = programme_or_404(programme_id)
    return _page(found, *_forms(found))


@bp.post("/programmes/<int:programme_id>/meetings")
@login_required("admin", "lead")
def add_meeting(programme_id: int) -> ResponseReturnValue:
    found = programme_or_404(programme_id)
    meeting_form, round_form = _forms(found)
    if meeting_form.validate_on_submit():
        session = current.session()
        pairing = session.get(Pairing, meeting_form.pairing_id.data)
        if pairing is None or pairing.programme_id != found.id:
            abort(404)
        held_on = meeting_form.held_on.data
        assert held_on is not None
        try:
            reported = report_meeting(
                session,
                pairing.id,
                held_on,
                "staff",
                window_days=current.settings().meeting_window_days,
            )
        except ServiceError as exc:
            session.rollback()
            meeting_form.held_on.errors = [sentence(exc)]
        else:
            session.commit()
            if reported.new:
                flash("Meeting recorded. Both participants will get a short survey.", "info")
            else:
                flash(
                    f"This pairing already has a meeting on {reported.meeting.held_on:%d %B %Y}"
                    " (within a few days): nothing new was recorded.",
                    "info",
                )
            return redirect(url_for("admin.programme", programme_id=found.id), code=303)
    return _page(found, meeting_form, round_form, 422)


@bp.get("/programmes/<int:programme_id>/rounds/confirm")
@login_required("admin", "lead")
def confirm_round(programme_id: int) -> ResponseReturnValue:
    """Before launching: how many would be invited, and which groups cannot reach k."""
    found = programme_or_404(programme_id)
    round_form = LaunchRoundForm(request.args, prefix="round", meta={"csrf": False})
    return render_template(
        "admin/confirm_round.html",
        programme=found,
        round_form=round_form,
        audience=audience(found),
    )


@bp.post("/programmes/<int:programme_id>/rounds")
@login_required("admin", "lead")
def add_round(programme_id: int) -> ResponseReturnValue:
    found = programme_or_404(programme_id)
    meeting_form, round_form = _forms(found)
    if round_form.validate_on_submit():
        settings = current.settings()
        session = current.session()
        closes_on = round_form.closes_on.data
        assert closes_on is not None
        try:
            _, invited = launch_round(
                session, found.id, round_form.label.data or "", closes_on, settings.secret_key
            )
        except ServiceError as exc:
            session.rollback()
            round_form.label.errors = [sentence(exc)]
        else:
            session.commit()
            warnings = " ".join(audience(found).warnings())
            flash(f"Climate survey launched: {invited} people invited. {warnings}".strip(), "info")
            return redirect(url_for("admin.programme", programme_id=found.id), code=303)
    return _page(found, meeting_form, round_form, 422)
