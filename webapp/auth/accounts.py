"""A staff member's own password: set it from an invitation or reset link, reset it, change it.

The set-password page is keyed by the link's secret, which is single-use and
expires (:mod:`surveys.services.staff`); the reset page does the same work and
answers the same whether or not the address has an account (the link is issued
and mailed by a worker: :mod:`surveys.services.resets`), so it cannot be used to
find out who works here. It is rate limited per client address and per address
tried (:mod:`webapp.auth.limits`).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from surveys.services.errors import ServiceError
from surveys.services.resets import request_reset
from surveys.services.staff import change_password, redeem_link, valid_link
from webapp import current
from webapp.auth.access import login_required, signed_in
from webapp.auth.account_forms import ChangePasswordForm, ResetRequestForm, SetPasswordForm
from webapp.auth.blueprint import bp
from webapp.errors import render_error, sentence

GONE = (
    "This link has expired or was used already. Ask an administrator for a new invitation, "
    "or ask for a new password reset link."
)


def _no_store(body: str, status: int) -> ResponseReturnValue:
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> ResponseReturnValue:
    session = current.session()
    link = valid_link(session, token)
    if link is None:
        return render_error(410, GONE)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            account = redeem_link(session, token, form.password.data or "")
        except ServiceError as exc:
            session.rollback()
            if exc.status == 410:
                return render_error(410, GONE)
            form.password.errors = [sentence(exc)]
        else:
            session.commit()
            flash(f"Your password is set. Sign in as {account.email}.", "info")
            return redirect(url_for("auth.login"), code=303)
    status = 422 if form.is_submitted() else 200
    purpose = link.purpose
    return _no_store(render_template("auth/set_password.html", form=form, purpose=purpose), status)


@bp.route("/reset", methods=["GET", "POST"])
def reset_password() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        session = current.session()
        request_reset(session, form.email.data or "")
        session.commit()
        flash(
            "If that address has a Flipside account, we have sent it a link to choose a new "
            "password. The link works once, for 48 hours.",
            "info",
        )
        return redirect(url_for("auth.login"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form), status


@bp.route("/password", methods=["GET", "POST"])
@login_required()
def change_own_password() -> ResponseReturnValue:
    account = signed_in()
    form = ChangePasswordForm()
    if account.password_hash is None:
        return render_template("auth/password.html", form=form, sso_only=True)
    if form.validate_on_submit():
        session = current.session()
        try:
            change_password(session, account, form.current.data or "", form.password.data or "")
        except ServiceError as exc:
            session.rollback()
            form.current.errors = [sentence(exc)]
        else:
            session.commit()
            flash("Your password is changed.", "info")
            return redirect(url_for("dashboard.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form, sso_only=False), status
