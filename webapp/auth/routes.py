"""Staff login and logout (who is signed in, and what they may see: :mod:`webapp.auth.access`)."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from surveys.db.models import Account
from surveys.db.types import utcnow
from surveys.services.accounts import verify_password
from surveys.services.staff import record_sign_in
from webapp import current
from webapp.auth import bp
from webapp.auth.forms import LoginForm

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        db = current.session()
        email = (form.email.data or "").strip().lower()
        account = db.scalar(select(Account).where(func.lower(Account.email) == email))
        now = utcnow()
        if account is not None and account.locked_until is not None and account.locked_until > now:
            flash("Too many failed attempts. Try again in a few minutes.", "error")
            return render_template("auth/login.html", form=form), 429
        if (
            account is None
            or not account.active
            or not verify_password(account, form.password.data or "")
        ):
            if account is not None:
                account.failed_logins += 1
                if account.failed_logins >= MAX_FAILED_LOGINS:
                    account.locked_until = now + LOCKOUT
                    account.failed_logins = 0
                db.commit()
            flash("That e-mail address and password do not match an account.", "error")
            return render_template("auth/login.html", form=form), 401
        account.failed_logins = 0
        account.locked_until = None
        record_sign_in(db, account)
        db.commit()
        session.clear()
        session["account_id"] = account.id
        target = request.args.get("next", "")
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("dashboard.index")
        return redirect(target)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("main.home"))
