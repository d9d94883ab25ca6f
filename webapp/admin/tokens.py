"""A staff member's own API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from surveys.db.models import ApiToken
from surveys.services.api_tokens import create_api_token, revoke_api_token
from surveys.services.errors import ServiceError
from webapp import current
from webapp.admin.blueprint import bp
from webapp.admin.forms import ApiTokenForm, ConfirmForm
from webapp.auth.access import login_required, signed_in
from webapp.errors import sentence


def _page(form: ApiTokenForm, secret: str | None = None, status: int = 200) -> ResponseReturnValue:
    account = signed_in()
    tokens = current.session().scalars(
        select(ApiToken).where(ApiToken.account_id == account.id).order_by(ApiToken.id)
    )
    response = current_app.make_response(
        (
            render_template(
                "admin/tokens.html",
                form=form,
                tokens=list(tokens),
                secret=secret,
                revoke_form=ConfirmForm(),
                # The confirmation of Revoke, on this page so it works without JavaScript.
                confirm_revoke=request.args.get("revoke", type=int),
            ),
            status,
        )
    )
    if secret is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/tokens", methods=["GET", "POST"])
@login_required()
def tokens() -> ResponseReturnValue:
    form = ApiTokenForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, status=422)
    account = signed_in()
    session = current.session()
    try:
        issued = create_api_token(session, account.id, form.name.data or "")
    except ServiceError as exc:
        session.rollback()
        form.name.errors = [sentence(exc)]
        return _page(form, status=exc.status)
    session.commit()
    return _page(ApiTokenForm(formdata=None), secret=issued.secret, status=201)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required()
def revoke_token(token_id: int) -> ResponseReturnValue:
    account = signed_in()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = current.session()
    revoke_api_token(session, token_id, account_id=account.id)
    session.commit()
    flash("Token revoked; calls with it are refused from now on.", "info")
    return redirect(url_for("admin.tokens"), code=303)
