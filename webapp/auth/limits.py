"""Rate limits on signing in (Flask-Limiter): per client address and per e-mail address.

Only failed attempts count (``deduct_when``), so a member of staff who signs in
is never slowed down by their own successes. When a limit is reached the
answer is 429 with ``Retry-After`` and the same sentence whether or not the
e-mail belongs to an account; once the window has moved on, the right
password works again. There is no lockout stored on the account, so nobody
can lock somebody else out for longer than the window.

The counters live in Redis when ``REDIS_URL`` is set (shared by every web
process) and in memory in the embedded mode and in tests
(``RATELIMIT_STORAGE_URI`` in the app config overrides both). If Redis cannot
be reached the limiter falls back to memory rather than refusing every sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from surveys.settings import Settings

MESSAGE = "Too many sign-in attempts. Wait a minute and try again."
LOGIN_ENDPOINT = "auth.login"


def config_defaults(settings: Settings) -> dict[str, object]:
    """Flask-Limiter's settings for an app built from ``settings``."""
    return {
        "RATELIMIT_STORAGE_URI": settings.redis_url or "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "flipside-login",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    }


def _account_key() -> str:
    """The e-mail address tried (empty: no per-account limit applies to the request)."""
    email = request.form.get("email", "")
    return email.strip().lower()[:254]


def _failed(response: Response) -> bool:
    return response.status_code == 401


def init_app(app: Flask, settings: Settings) -> Limiter:
    """One limiter per app (its own counters), wrapped around the login view."""
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    # Only the login view is limited, and its decorators check their limits when it is
    # called; the extension's check before every request (0.2 ms on a survey submission,
    # the hottest path) has nothing else to do.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    view: Callable[..., Any] = app.view_functions[LOGIN_ENDPOINT]
    for limit, key in (
        (settings.login_limit_address, get_remote_address),
        (settings.login_limit_account, _account_key),
    ):
        view = limiter.limit(
            limit,
            key_func=key,
            methods=["POST"],
            deduct_when=_failed,
            error_message=MESSAGE,
        )(view)
    app.view_functions[LOGIN_ENDPOINT] = view
    app.extensions["flipside.limiter"] = limiter
    return limiter
