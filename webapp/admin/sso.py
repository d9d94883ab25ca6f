"""A firm's single sign-on settings (administrators): its OpenID provider and who may use it."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue

from surveys.services.errors import ServiceError
from surveys.services.sso import SsoSettings, parse_domains, save_sso
from webapp import current
from webapp.admin.blueprint import bp
from webapp.admin.firms import firm_page, sso_form
from webapp.auth.access import firm_or_404, login_required, signed_in
from webapp.errors import sentence


@bp.post("/firms/<int:firm_id>/sso")
@login_required("admin")
def firm_sso(firm_id: int) -> ResponseReturnValue:
    found = firm_or_404(firm_id)
    form = sso_form(found)
    if not form.validate_on_submit():
        return firm_page(found, sso=form, status=422)
    db = current.session()
    try:
        values = SsoSettings(
            provider_name=form.provider_name.data or "",
            issuer=form.issuer.data or "",
            client_id=form.client_id.data or "",
            client_secret=form.client_secret.data or None,
            allowed_domains=parse_domains(form.allowed_domains.data or ""),
            auto_provision=form.auto_provision.data == "yes",
            default_role=form.default_role.data or "",
        )
        save_sso(db, found.id, values, current.settings().secret_key, signed_in())
    except ServiceError as exc:
        db.rollback()
        form.issuer.errors = [sentence(exc)]
        return firm_page(found, sso=form, status=exc.status)
    db.commit()
    flash("Single sign-on saved. The client secret is kept sealed and not shown again.", "info")
    return redirect(url_for("admin.firm", firm_id=found.id), code=303)
