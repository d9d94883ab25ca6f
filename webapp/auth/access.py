"""Who is signed in, and what they may see: the role checks and tenant scoping of every page.

Tenant scoping is one rule, :func:`surveys.services.accounts.firm_scope` (an
administrator sees every firm, everybody else their own firms). A record
outside the account's firms is a 404, exactly as if it did not exist, so a
page never leaks that another firm's programme is there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g, redirect, request, url_for

from surveys.db.models import Account, Firm, Programme
from surveys.services.accounts import firm_scope
from webapp import current
from webapp.auth.sessions import session_account

F = TypeVar("F", bound=Callable[..., Any])
#: The largest id a column holds; a bigger one in a URL cannot exist (and must not reach SQL).
MAX_ID = 2**31 - 1


def current_account() -> Account | None:
    """The signed-in, active account of this request while its session is valid, or None."""
    if "account" not in g:
        g.account = session_account()
    return cast(Account | None, g.account)


def signed_in() -> Account:
    """The signed-in account, in a view behind :func:`login_required`."""
    account = current_account()
    assert account is not None
    return account


def login_required(*roles: str) -> Callable[[F], F]:
    """Send anonymous visitors to the login page; 403 for a role not in ``roles`` (if given)."""

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


def may_see(firm_id: int) -> bool:
    """Whether the signed-in account's scope includes ``firm_id``."""
    account = current_account()
    if account is None:
        return False
    scope = firm_scope(account)
    return scope is None or firm_id in scope


def firm_or_404(firm_id: int) -> Firm:
    """The firm if the signed-in account may see it; 404 otherwise (no existence leak)."""
    firm = current.session().get(Firm, firm_id) if firm_id <= MAX_ID else None
    if firm is None or not may_see(firm.id):
        abort(404)
    return firm


def programme_or_404(programme_id: int) -> Programme:
    """The programme if the signed-in account may see its firm; 404 otherwise."""
    programme = current.session().get(Programme, programme_id) if programme_id <= MAX_ID else None
    if programme is None or not may_see(programme.firm_id):
        abort(404)
    return programme
