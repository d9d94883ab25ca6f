"""A programme's member organisations (cross-organisation programmes): add and remove firms.

The programme's staff see the list; administrators add and remove members. A member
firm's people may then be enrolled and paired with the other members' people; each
member's lead reads only their own people's results.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice, SelectField
from wtforms.validators import DataRequired

from surveys.db.models import Firm, Programme
from surveys.services.errors import ServiceError
from surveys.services.members import add_member, member_firms, remove_member
from webapp import current
from webapp.admin.blueprint import bp
from webapp.admin.forms import ConfirmForm
from webapp.auth.access import login_required, programme_or_404, signed_in
from webapp.errors import sentence


class AddMemberForm(FlaskForm):
    firm_id = SelectField("Firm or organisation", coerce=int, validators=[DataRequired()])


def _page(programme: Programme, form: AddMemberForm, status: int = 200) -> ResponseReturnValue:
    session = current.session()
    members = member_firms(session, programme)
    others = session.scalars(
        select(Firm).where(Firm.id.not_in([m.id for m in members])).order_by(Firm.name)
    )
    form.firm_id.choices = [SelectChoice(f.id, f.name) for f in others]
    return render_template(
        "admin/members.html",
        programme=programme,
        members=members,
        form=form,
        remove_form=ConfirmForm(),
        can_change=signed_in().role == "admin",
    ), status


@bp.route("/programmes/<int:programme_id>/members", methods=["GET", "POST"])
@login_required("admin", "lead")
def programme_members(programme_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    form = AddMemberForm()
    if not form.is_submitted():
        return _page(programme, form)
    if signed_in().role != "admin":
        abort(403)
    _page(programme, form)  # fills the choices the submitted firm is checked against
    if not form.validate():
        return _page(programme, form, 422)
    session = current.session()
    assert form.firm_id.data is not None
    add_member(session, programme.id, form.firm_id.data)
    session.commit()
    flash("The organisation is a member of the programme now.", "info")
    return redirect(url_for("admin.programme_members", programme_id=programme.id), code=303)


@bp.post("/programmes/<int:programme_id>/members/<int:firm_id>/remove")
@login_required("admin")
def remove_programme_member(programme_id: int, firm_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    if not ConfirmForm().validate_on_submit():
        return _page(programme, AddMemberForm(formdata=None), 400)
    session = current.session()
    try:
        remove_member(session, programme.id, firm_id)
    except ServiceError as exc:
        session.rollback()
        flash(sentence(exc), "error")
        return _page(programme, AddMemberForm(formdata=None), exc.status)
    session.commit()
    flash("The organisation is no longer a member of the programme.", "info")
    return redirect(url_for("admin.programme_members", programme_id=programme.id), code=303)
