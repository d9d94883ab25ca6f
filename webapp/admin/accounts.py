"""Staff accounts (administrators only): invite, change the role of, deactivate and delete.

Each action is a small CSRF-protected form; the services in
:mod:`surveys.services.staff` check the rules (the last administrator stays,
a lead or researcher has firms) and write the audit log.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from surveys.db.models import Account, AccountAudit, Firm, Programme
from surveys.services.accounts import new_account
from surveys.services.errors import Invalid, ServiceError
from surveys.services.members import assign_programmes, programmes_by_id
from surveys.services.staff import (
    account_or_404,
    audit,
    check_scope,
    delete_account,
    firms_by_slug,
    issue_link,
    set_active,
    set_role,
)
from webapp import current
from webapp.admin.account_forms import (
    ROLE_LABELS,
    ActiveForm,
    DeleteForm,
    NewAccountForm,
    RoleForm,
)
from webapp.admin.blueprint import bp
from webapp.admin.forms import ConfirmForm
from webapp.auth.access import login_required, signed_in
from webapp.auth.mailing import send_link
from webapp.errors import sentence


def _firm_choices() -> list[tuple[str, str]]:
    firms = current.session().scalars(select(Firm).order_by(Firm.name))
    return [(f.slug, f.name) for f in firms]


def _programme_choices() -> list[tuple[str, str]]:
    found = current.session().execute(
        select(Programme.id, Programme.name, Firm.name)
        .join(Firm, Firm.id == Programme.firm_id)
        .order_by(Programme.name, Programme.id)
    )
    return [(str(pid), f"{name} ({firm})") for pid, name, firm in found]


def _role_form(account: Account | None = None) -> RoleForm:
    prefix = f"a{account.id}" if account else "role"
    form = RoleForm(prefix=prefix)
    form.firms.choices = _firm_choices()
    form.programmes.choices = _programme_choices()
    if account is not None and not form.is_submitted():
        form.role.data = account.role
        form.firms.data = [f.slug for f in account.firms]
        form.programmes.data = [str(p.id) for p in account.programmes]
    return form


def _give_programmes(account: Account, chosen: list[str], actor: Account | None) -> None:
    """A coordinator's programmes from the form (at least one); no other role is given any."""
    db = current.session()
    programmes = programmes_by_id(db, [int(i) for i in chosen if i.isdigit()])
    if account.role != "coordinator":
        if programmes:
            raise Invalid("only a programme coordinator is given programmes")
        account.programmes = []
        return
    if not programmes:
        raise Invalid("a programme coordinator needs at least one programme")
    before = sorted(p.id for p in account.programmes)
    assign_programmes(db, account, programmes)
    after = sorted(p.id for p in programmes)
    if before != after:
        audit(db, "programmes_set", account, actor, before=before, after=after)


def _page(
    form: NewAccountForm | None = None, link: str | None = None, status: int = 200
) -> ResponseReturnValue:
    db = current.session()
    if form is None:
        form = NewAccountForm(prefix="new")
        form.firms.choices = _firm_choices()
        form.programmes.choices = _programme_choices()
    accounts = db.scalars(select(Account).order_by(Account.email)).all()
    audit = db.scalars(select(AccountAudit).order_by(AccountAudit.id.desc()).limit(30)).all()
    body = render_template(
        "admin/accounts.html",
        form=form,
        rows=[(a, _role_form(a)) for a in accounts],
        audit=audit,
        labels=ROLE_LABELS,
        me=signed_in(),
        link=link,
        active_form=ActiveForm(),
        delete_form=DeleteForm(),
        confirm_form=ConfirmForm(),
    )
    response = current_app.make_response((body, status))
    if link:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/accounts")
@login_required("admin")
def accounts() -> ResponseReturnValue:
    return _page()


def _invite(account: Account, actor: Account) -> str | None:
    """Issue and mail a set-password link; the link itself when mailing failed (to show)."""
    db = current.session()
    purpose = "invite" if account.password_hash is None else "reset"
    issued = issue_link(db, account, purpose, actor)
    db.commit()
    if send_link(account, purpose, issued):
        flash(f"A link to choose a password was sent to {account.email}.", "info")
        return None
    flash(f"The e-mail to {account.email} could not be sent: give them this link.", "error")
    return f"{current.settings().base_url}/auth/set-password/{issued.secret}"


@bp.post("/accounts")
@login_required("admin")
def add_account() -> ResponseReturnValue:
    form = NewAccountForm(prefix="new")
    form.firms.choices = _firm_choices()
    form.programmes.choices = _programme_choices()
    if not form.validate_on_submit():
        return _page(form, status=422)
    db = current.session()
    actor = signed_in()
    try:
        firms = firms_by_slug(db, list(form.firms.data or []))
        role = form.role.data or ""
        check_scope(role, firms)
        account = new_account(db, form.email.data or "", role, firms)
        audit(db, "created", account, actor, role=role, firms=[f.slug for f in firms])
        _give_programmes(account, list(form.programmes.data or []), actor)
    except ServiceError as exc:
        db.rollback()
        form.email.errors = [sentence(exc)]
        return _page(form, status=exc.status)
    link = _invite(account, actor)
    return _page(link=link, status=201) if link else redirect(url_for("admin.accounts"), 303)


def _target(account_id: str) -> Account:
    if not account_id.isdigit():
        abort(404)
    try:
        return account_or_404(current.session(), int(account_id))
    except ServiceError:
        abort(404)


def _done(message: str) -> ResponseReturnValue:
    current.session().commit()
    flash(message, "info")
    return redirect(url_for("admin.accounts"), code=303)


def _refused(exc: ServiceError) -> ResponseReturnValue:
    current.session().rollback()
    flash(sentence(exc), "error")
    return redirect(url_for("admin.accounts"), code=303)


@bp.post("/accounts/<account_id>/role")
@login_required("admin")
def account_role(account_id: str) -> ResponseReturnValue:
    account = _target(account_id)
    form = _role_form(account)
    if not form.validate_on_submit():
        flash(
            "Please choose a role (and the firms of a D&I lead or researcher, "
            "the programmes of a coordinator).",
            "error",
        )
        return redirect(url_for("admin.accounts"), code=303)
    db = current.session()
    try:
        firms = firms_by_slug(db, list(form.firms.data or []))
        set_role(db, account, form.role.data or "", firms, signed_in())
        _give_programmes(account, list(form.programmes.data or []), signed_in())
    except ServiceError as exc:
        return _refused(exc)
    return _done(f"{account.email} is now: {ROLE_LABELS[account.role]}.")


@bp.post("/accounts/<account_id>/active")
@login_required("admin")
def account_active(account_id: str) -> ResponseReturnValue:
    account = _target(account_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "yes"
    try:
        set_active(current.session(), account, active, signed_in())
    except ServiceError as exc:
        return _refused(exc)
    return _done(f"{account.email} is {'active' if active else 'deactivated'}.")


@bp.post("/accounts/<account_id>/invite")
@login_required("admin")
def account_invite(account_id: str) -> ResponseReturnValue:
    account = _target(account_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        link = _invite(account, signed_in())
    except ServiceError as exc:
        return _refused(exc)
    return _page(link=link) if link else redirect(url_for("admin.accounts"), 303)


@bp.post("/accounts/<account_id>/delete")
@login_required("admin")
def account_delete(account_id: str) -> ResponseReturnValue:
    account = _target(account_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        flash(f"Tick the box to confirm deleting {account.email}.", "error")
        return redirect(url_for("admin.accounts"), code=303)
    email = account.email
    try:
        delete_account(current.session(), account, signed_in())
    except ServiceError as exc:
        return _refused(exc)
    return _done(f"The account {email} is deleted.")
