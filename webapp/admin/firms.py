"""Firms: the list, creation and settings (administrators), and a firm's programmes."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from surveys.db.models import Firm, FirmSso, Person, Programme
from surveys.services.accounts import firm_scope
from surveys.services.errors import ServiceError
from surveys.services.programmes import (
    create_firm,
    save_programme,
    update_firm_language,
    update_firm_mail,
    update_firm_settings,
)
from surveys.services.webhooks import rotate_webhook_secret
from webapp import current
from webapp.admin.account_forms import SsoForm
from webapp.admin.blueprint import bp
from webapp.admin.forms import ConfirmForm, FirmForm, FirmSettingsForm, ProgrammeForm
from webapp.auth.access import firm_or_404, login_required, signed_in
from webapp.errors import sentence


@bp.get("/firms")
@login_required("admin", "lead")
def firms() -> ResponseReturnValue:
    return _list(FirmForm())


def _list(form: FirmForm, status: int = 200) -> ResponseReturnValue:
    account = signed_in()
    query = select(Firm).order_by(Firm.name)
    scope = firm_scope(account)
    if scope is not None:
        query = query.where(Firm.id.in_(scope))
    found = current.session().scalars(query).all()
    return render_template("admin/firms.html", firms=found, form=form, account=account), status


@bp.post("/firms")
@login_required("admin")
def add_firm() -> ResponseReturnValue:
    form = FirmForm()
    if form.validate_on_submit():
        session = current.session()
        try:
            firm = create_firm(session, form.name.data or "", form.slug.data or "")
        except ServiceError as exc:
            session.rollback()
            form.slug.errors = [sentence(exc)]
            return _list(form, exc.status)
        session.commit()
        flash(f"Firm {firm.name} created.", "info")
        return redirect(url_for("admin.firm", firm_id=firm.id), code=303)
    return _list(form, 422)


def firm_page(
    firm: Firm,
    *,
    settings_form: FirmSettingsForm | None = None,
    programme_form: ProgrammeForm | None = None,
    new_secret: str | None = None,
    sso: SsoForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The firm's page; ``sso`` is the single sign-on form to show (webapp.admin.sso)."""
    session = current.session()
    if settings_form is None:
        settings_form = FirmSettingsForm(prefix="settings")
        settings_form.min_group_size.data = firm.min_group_size
        settings_form.benchmarking_opt_in.data = firm.benchmarking_opt_in
        settings_form.mail_from.data = firm.mail_from
        settings_form.reply_to.data = firm.reply_to
        settings_form.default_language.data = firm.default_language or ""
    programme_form = programme_form or ProgrammeForm(prefix="programme")
    programmes = session.scalars(
        select(Programme).where(Programme.firm_id == firm.id).order_by(Programme.name)
    ).all()
    people = session.scalar(select(func.count()).where(Person.firm_id == firm.id))
    response = current_app.make_response(
        (
            render_template(
                "admin/firm.html",
                firm=firm,
                programmes=programmes,
                people=people,
                settings_form=settings_form,
                programme_form=programme_form,
                new_secret=new_secret,
                account=signed_in(),
                confirm_secret=new_secret is None
                and request.method == "GET"
                and request.args.get("confirm") == "webhook-secret",
                overlap_hours=current.settings().webhook_secret_overlap_hours,
                sso_form=sso if sso is not None else sso_form(firm),
                sso=session.get(FirmSso, firm.id),
                config_base_url=current.settings().base_url,
            ),
            status,
        )
    )
    if new_secret is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


def sso_form(firm: Firm) -> SsoForm:
    """The form, filled with the saved settings (never the secret) on a GET."""
    form = SsoForm(prefix="sso")
    config = current.session().get(FirmSso, firm.id)
    if config is not None and not form.is_submitted():
        form.provider_name.data = config.provider_name
        form.issuer.data = config.issuer
        form.client_id.data = config.client_id
        form.allowed_domains.data = ", ".join(config.allowed_domains)
        form.auto_provision.data = "yes" if config.auto_provision else "no"
        form.default_role.data = config.default_role
    return form


@bp.get("/firms/<int:firm_id>")
@login_required("admin", "lead")
def firm(firm_id: int) -> ResponseReturnValue:
    return firm_page(firm_or_404(firm_id))


@bp.post("/firms/<int:firm_id>/settings")
@login_required("admin")
def firm_settings(firm_id: int) -> ResponseReturnValue:
    found = firm_or_404(firm_id)
    form = FirmSettingsForm(prefix="settings")
    if form.validate_on_submit():
        session = current.session()
        update_firm_settings(
            session,
            found.id,
            min_group_size=form.min_group_size.data,
            benchmarking_opt_in=bool(form.benchmarking_opt_in.data),
        )
        update_firm_language(session, found.id, form.default_language.data or None)
        try:
            update_firm_mail(
                session, found.id, mail_from=form.mail_from.data, reply_to=form.reply_to.data
            )
        except ServiceError as exc:
            session.rollback()
            field = form.reply_to if "reply-to" in str(exc) else form.mail_from
            field.errors = [sentence(exc)]
            return firm_page(found, settings_form=form, status=exc.status)
        session.commit()
        flash("Settings saved.", "info")
        return redirect(url_for("admin.firm", firm_id=found.id), code=303)
    return firm_page(found, settings_form=form, status=422)


@bp.post("/firms/<int:firm_id>/webhook-secret")
@login_required("admin")
def rotate_secret(firm_id: int) -> ResponseReturnValue:
    found = firm_or_404(firm_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    settings = current.settings()
    session = current.session()
    secret = rotate_webhook_secret(session, found.id, settings.secret_key)
    session.commit()
    return firm_page(found, new_secret=secret)


@bp.post("/firms/<int:firm_id>/programmes")
@login_required("admin", "lead")
def add_programme(firm_id: int) -> ResponseReturnValue:
    found = firm_or_404(firm_id)
    form = ProgrammeForm(prefix="programme")
    if form.validate_on_submit():
        session = current.session()
        assert form.starts_on.data is not None
        try:
            programme = save_programme(session, found.id, **form.values("pilot"))
        except ServiceError as exc:
            session.rollback()
            form.name.errors = [sentence(exc)]
            return firm_page(found, programme_form=form, status=exc.status)
        session.commit()
        flash(f"Programme {programme.name} created.", "info")
        return redirect(url_for("admin.programme", programme_id=programme.id), code=303)
    return firm_page(found, programme_form=form, status=422)
