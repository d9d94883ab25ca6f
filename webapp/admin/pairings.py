"""A programme's settings, enrolments and pairings (create, end, re-pair)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from surveys.db.models import Enrolment, Pairing, Person, Programme
from surveys.domain.vocab import LEVELS
from surveys.services.errors import NotFound, ServiceError
from surveys.services.member_people import people_shown
from surveys.services.members import member_firm_ids
from surveys.services.people import ENROLMENT_FILTERS, filter_options, find_people
from surveys.services.programmes import (
    create_pairing,
    end_pairing,
    enrol,
    re_pair,
    save_programme,
)
from surveys.services.suggestions import unpaired
from webapp import current
from webapp.admin.blueprint import bp
from webapp.admin.directory import page_args, people_filter
from webapp.admin.forms import EndPairingForm, EnrolForm, PairForm, ProgrammeForm
from webapp.auth.access import login_required, programme_or_404, signed_in
from webapp.errors import sentence


def person_id_in(programme: Programme, internal_id: str | None) -> int:
    """The id of the person with this HR id in the programme's firm, or else in exactly one
    of its member firms (cross-organisation programmes); NotFound otherwise."""
    session = current.session()
    found = session.execute(
        select(Person.id, Person.firm_id).where(
            Person.firm_id.in_(sorted(member_firm_ids(session, programme))),
            Person.internal_id == (internal_id or "").strip(),
        )
    ).all()
    own = [person_id for person_id, firm_id in found if firm_id == programme.firm_id]
    if own or len(found) == 1:
        return int(own[0] if own else found[0][0])
    if found:
        raise NotFound(f"several member firms have HR id {internal_id!r}; pair from suggestions")
    raise NotFound(f"there is nobody with HR id {internal_id!r} in this programme's firms")


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@login_required("admin", "lead")
def edit_programme(programme_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    form = ProgrammeForm(obj=programme)
    status = 200
    if form.validate_on_submit():
        session = current.session()
        assert form.starts_on.data is not None
        try:
            save_programme(
                session,
                programme.firm_id,
                programme_id=programme.id,
                **form.values(programme.status),
            )
        except ServiceError as exc:
            session.rollback()
            form.name.errors = [sentence(exc)]
            status = exc.status
        else:
            session.commit()
            flash("Programme saved.", "info")
            return redirect(url_for("admin.programme", programme_id=programme.id), code=303)
    elif form.is_submitted():
        status = 422
    return render_template("admin/programme_edit.html", programme=programme, form=form), status


def _people_page(
    programme: Programme,
    enrol_form: EnrolForm | None = None,
    pair_form: PairForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = current.session()
    counts = dict(
        session.execute(
            select(Enrolment.role, func.count())
            .where(Enrolment.programme_id == programme.id)
            .group_by(Enrolment.role)
        ).all()
    )
    shown = people_shown(session, signed_in(), programme)
    mentor, mentee = aliased(Person), aliased(Person)
    pairings = [
        (pairing, shown.label(a, "mentor"), shown.label(b, "mentee"))
        for pairing, a, b in session.execute(
            select(Pairing, mentor, mentee)
            .join(mentor, mentor.id == Pairing.mentor_id)
            .join(mentee, mentee.id == Pairing.mentee_id)
            .where(Pairing.programme_id == programme.id)
            .order_by(Pairing.ended_on.is_not(None), Pairing.id)
        )
    ]
    pair_form = pair_form or PairForm(prefix="pair")
    if pair_form.starts_on.data is None:
        pair_form.starts_on.data = date.today()
    wanted = people_filter(request.args)
    if not wanted.enrolment:
        wanted = replace(wanted, enrolment="enrolled")
    return render_template(
        "admin/pairings.html",
        programme=programme,
        counts=counts,
        pairings=pairings,
        found=find_people(session, programme.firm_id, wanted, programme.id),
        wanted=wanted,
        page_args=page_args,
        options=filter_options(session, programme.firm_id),
        levels=LEVELS,
        enrolment_filters=ENROLMENT_FILTERS[1:],
        free=unpaired(session, programme.id, shown),
        enrol_form=enrol_form or EnrolForm(prefix="enrol"),
        pair_form=pair_form,
        end_form=EndPairingForm(prefix="end", formdata=None, ends_on=date.today()),
    ), status


@bp.get("/programmes/<int:programme_id>/people")
@login_required("admin", "lead")
def programme_people(programme_id: int) -> ResponseReturnValue:
    return _people_page(programme_or_404(programme_id))


@bp.post("/programmes/<int:programme_id>/enrolments")
@login_required("admin", "lead")
def add_enrolment(programme_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    form = EnrolForm(prefix="enrol")
    if form.validate_on_submit():
        session = current.session()
        try:
            enrol(
                session,
                programme.id,
                person_id_in(programme, form.internal_id.data),
                form.role.data or "",
            )
        except ServiceError as exc:
            session.rollback()
            form.internal_id.errors = [sentence(exc)]
            return _people_page(programme, enrol_form=form, status=exc.status)
        session.commit()
        flash(f"{form.internal_id.data} enrolled as {form.role.data}.", "info")
        return redirect(url_for("admin.programme_people", programme_id=programme.id), code=303)
    return _people_page(programme, enrol_form=form, status=422)


@bp.post("/programmes/<int:programme_id>/pairings")
@login_required("admin", "lead")
def add_pairing(programme_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    form = PairForm(prefix="pair")
    if form.validate_on_submit():
        session = current.session()
        assert form.starts_on.data is not None
        try:
            create_pairing(
                session,
                programme.id,
                person_id_in(programme, form.mentor.data),
                person_id_in(programme, form.mentee.data),
                form.starts_on.data,
            )
        except ServiceError as exc:
            session.rollback()
            form.mentor.errors = [sentence(exc)]
            return _people_page(programme, pair_form=form, status=exc.status)
        session.commit()
        flash(f"{form.mentor.data} now mentors {form.mentee.data}.", "info")
        return redirect(url_for("admin.programme_people", programme_id=programme.id), code=303)
    return _people_page(programme, pair_form=form, status=422)


def _managed_pairing(pairing_id: int) -> tuple[Pairing, Programme]:
    pairing = current.session().get(Pairing, pairing_id)
    if pairing is None:
        abort(404)
    return pairing, programme_or_404(pairing.programme_id)


@bp.get("/pairings/<int:pairing_id>/end")
@login_required("admin", "lead")
def confirm_end_pairing(pairing_id: int) -> ResponseReturnValue:
    """The confirmation page of End: who, and from when; works without JavaScript."""
    pairing, programme = _managed_pairing(pairing_id)
    shown = people_shown(current.session(), signed_in(), programme)
    form = EndPairingForm(prefix="end", formdata=None, ends_on=date.today())
    wanted = request.args.get("end-ends_on", "")
    try:
        form.ends_on.data = date.fromisoformat(wanted) if wanted else date.today()
    except ValueError:
        pass
    return render_template(
        "admin/confirm_end.html",
        programme=programme,
        pairing=pairing,
        mentor=shown.label(pairing.mentor, "mentor"),
        mentee=shown.label(pairing.mentee, "mentee"),
        form=form,
    )


@bp.post("/pairings/<int:pairing_id>/end")
@login_required("admin", "lead")
def finish_pairing(pairing_id: int) -> ResponseReturnValue:
    pairing, programme = _managed_pairing(pairing_id)
    form = EndPairingForm(prefix="end")
    if not form.validate_on_submit():
        flash("Please give the date the pairing ended.", "error")
        return _people_page(programme, status=422)
    session = current.session()
    assert form.ends_on.data is not None
    try:
        end_pairing(session, pairing.id, form.ends_on.data)
    except ServiceError as exc:
        session.rollback()
        flash(sentence(exc), "error")
        return _people_page(programme, status=exc.status)
    session.commit()
    flash("Pairing ended.", "info")
    return redirect(url_for("admin.programme_people", programme_id=programme.id), code=303)


@bp.route("/pairings/<int:pairing_id>/re-pair", methods=["GET", "POST"])
@login_required("admin", "lead")
def repair(pairing_id: int) -> ResponseReturnValue:
    """End this pairing and start another the same day, in one transaction."""
    pairing, programme = _managed_pairing(pairing_id)
    form = PairForm(prefix="repair")
    status = 200
    if not form.is_submitted():
        form.mentor.data, form.mentee.data = pairing.mentor.internal_id, pairing.mentee.internal_id
        form.starts_on.data = date.today()
    elif form.validate_on_submit():
        session = current.session()
        assert form.starts_on.data is not None
        try:
            re_pair(
                session,
                pairing.id,
                person_id_in(programme, form.mentor.data),
                person_id_in(programme, form.mentee.data),
                form.starts_on.data,
            )
        except ServiceError as exc:
            session.rollback()
            form.mentor.errors = [sentence(exc)]
            status = exc.status
        else:
            session.commit()
            flash(f"Re-paired: {form.mentor.data} now mentors {form.mentee.data}.", "info")
            return redirect(url_for("admin.programme_people", programme_id=programme.id), code=303)
    else:
        status = 422
    return render_template(
        "admin/repair.html", programme=programme, pairing=pairing, form=form
    ), status
