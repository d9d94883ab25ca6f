"""Bearer-token authentication for the API: the token's account, and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request

from surveys.db.models import Account
from surveys.services.api_tokens import account_for_token
from webapp import current

F = TypeVar("F", bound=Callable[..., Any])


class ApiError(Exception):
    """An API error with a stable code; rendered as {"error": {"code", "message", "details"}}."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or {}


def api_account() -> Account:
    account: Account = g.api_account
    return account


def token_required(*roles: str) -> Callable[[F], F]:
    """The view needs ``Authorization: Bearer <token>`` of an active account (with ``roles``)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
            account = None
            if scheme.lower() == "bearer" and secret.strip():
                account = account_for_token(current.session(), secret.strip())
            if account is None:
                raise ApiError(
                    401, "unauthorised", "send a valid API token: Authorization: Bearer <token>"
                )
            if roles and account.role not in roles:
                raise ApiError(403, "forbidden", f"a {account.role} account cannot do this")
            g.api_account = account
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate
