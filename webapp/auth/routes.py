"""Staff login and logout; the current account and role checks for other blueprints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from surveys.db.models import Account
from surveys.db.types import utcnow
from surveys.services.accounts import verify_password
from webapp import database
from webapp.auth.forms import LoginForm

bp = Blueprint("auth", __name__, url_prefix="/auth")

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
F = TypeVar("F", bound=Callable[..., Any])


def current_account() -> Account | None:
    if "account" not in g:
        account_id = session.get("account_id")
        account = database.session().get(Account, account_id) if account_id else None
        g.account = account if account is not None and account.active else None
    return cast(Account | None, g.account)


def ensure_can_manage(firm_id: int) -> None:
    """404 unless the signed-in account may manage ``firm_id`` (a 404 leaks no existence)."""
    account = current_account()
    if account is None or (
        account.role != "admin" and firm_id not in {f.id for f in account.firms}
    ):
        abort(404)


def login_required(*roles: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            account = current_account()
            if account is None:
                return redirect(url_for("auth.login", next=request.path))
            if roles and account.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        db = database.session()
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
