"""Staff login and logout (who is signed in, and what they may see: :mod:`webapp.auth.access`).

Sign-in attempts are rate limited (:mod:`webapp.auth.limits`), and a successful one
marks the browser as a known device (:mod:`webapp.auth.devices`); sessions and how
they end are :mod:`webapp.auth.sessions`; ``next=`` is checked by
:mod:`webapp.auth.redirects`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from surveys.services.accounts import authenticate
from surveys.services.staff import record_sign_in
from webapp import current
from webapp.auth.access import current_account
from webapp.auth.blueprint import bp
from webapp.auth.devices import remember
from webapp.auth.forms import LoginForm
from webapp.auth.redirects import has_line_break, safe_next
from webapp.auth.sessions import sign_in, sign_out


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    target = request.args.get("next", "")
    if has_line_break(target):
        abort(400, "The address to return to after signing in is not valid.")
    form = LoginForm()
    if form.validate_on_submit():
        account = authenticate(current.session(), form.email.data or "", form.password.data or "")
        if account is None:
            flash("That e-mail address and password do not match an account.", "error")
            return render_template("auth/login.html", form=form), 401
        record_sign_in(current.session(), account)
        current.session().commit()
        sign_in(account)
        response = redirect(safe_next(target) or url_for("dashboard.index"))
        remember(response, form.email.data or "")
        return response
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    sign_out(current_account())
    flash("You are signed out.", "info")
    return redirect(url_for("main.home"))
