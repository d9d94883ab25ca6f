"""Rate limits on signing in and resets (Flask-Limiter) that an attacker elsewhere cannot turn
against a member of staff.

Only failed attempts count (``deduct_when``), so nobody is slowed by their own
successes, and nothing is ever stored on the account. Four limits apply to a
failed sign-in, each keyed so that it only hurts whoever fills it:

- per client address (``FLIPSIDE_LOGIN_LIMIT_ADDRESS``): one address guessing many
  accounts; behind a proxy this needs ``FLIPSIDE_PROXY_HOPS`` (else every client is
  the proxy);
- per e-mail address *and* client address (``FLIPSIDE_LOGIN_LIMIT_ACCOUNT_ADDRESS``):
  one address guessing one account; it does not touch the owner elsewhere;
- per e-mail address from anywhere (``FLIPSIDE_LOGIN_LIMIT_ACCOUNT``): slows
  guessing spread over many addresses. It could keep the owner out, so a browser
  that signed in to that account before (the "known device" cookie,
  :mod:`webapp.auth.devices`) is exempt from the three limits above...
- ...and counts against its own device's limit instead (the same rate as the
  per-account-and-address one), so a stolen device cookie buys few guesses.

Password-reset requests are limited per client address and per address tried
(``FLIPSIDE_RESET_LIMIT_ADDRESS``), every request counting.

When a limit is reached the answer is 429 with ``Retry-After`` and the same page
whether or not the e-mail belongs to an account; once the window has moved on the
right password works again. The counters live in Redis when ``REDIS_URL`` is set
(shared by every web process) and in memory in the embedded mode and in tests
(``RATELIMIT_STORAGE_URI`` in the app config overrides both). If Redis cannot be
reached the limiter falls back to memory rather than refusing every sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from surveys.settings import Settings
from webapp.auth.devices import email_key, known_device

MESSAGE = "Too many sign-in attempts. Wait a minute and try again."
RESET_MESSAGE = "Too many password reset requests. Wait a while and try again."
LOGIN_ENDPOINT = "auth.login"
RESET_ENDPOINT = "auth.reset_password"


def config_defaults(settings: Settings) -> dict[str, object]:
    """Flask-Limiter's settings for an app built from ``settings``."""
    return {
        "RATELIMIT_STORAGE_URI": settings.redis_url or "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "flipside-login",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    }


def _email() -> str:
    return email_key(request.form.get("email", ""))


def _account_key() -> str:
    return f"account:{_email()}"


def _account_address_key() -> str:
    return f"account-address:{_email()}|{get_remote_address()}"


def _device_key() -> str:
    return f"device:{known_device(_email())}"


def _known() -> bool:
    return known_device(_email()) is not None


def _unknown() -> bool:
    return not _known()


def _reset_key() -> str:
    return f"reset:{_email()}"


def _failed(response: Response) -> bool:
    return response.status_code == 401


def init_app(app: Flask, settings: Settings) -> Limiter:
    """One limiter per app (its own counters), wrapped around the login view."""
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    # Only the login and reset views are limited, and their decorators check their limits
    # when called; the extension's check before every request (0.2 ms on a survey
    # submission, the hottest path) has nothing else to do.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    view: Callable[..., Any] = app.view_functions[LOGIN_ENDPOINT]
    limits: tuple[tuple[str, Callable[[], str], Callable[[], bool]], ...] = (
        (settings.login_limit_address, get_remote_address, _known),
        (settings.login_limit_account_address, _account_address_key, _known),
        (settings.login_limit_account, _account_key, _known),
        (settings.login_limit_account_address, _device_key, _unknown),
    )
    for limit, key, exempt in limits:
        view = limiter.limit(
            limit,
            key_func=key,
            methods=["POST"],
            deduct_when=_failed,
            exempt_when=exempt,
            error_message=MESSAGE,
        )(view)
    app.view_functions[LOGIN_ENDPOINT] = view
    # Resets: every request counts, per client address and per address tried (the same
    # answer for every address; at most one mail per account per interval is the
    # worker's rule, surveys.services.resets).
    reset: Callable[..., Any] = app.view_functions[RESET_ENDPOINT]
    for key in (get_remote_address, _reset_key):
        reset = limiter.limit(
            settings.reset_limit_address,
            key_func=key,
            methods=["POST"],
            error_message=RESET_MESSAGE,
        )(reset)
    app.view_functions[RESET_ENDPOINT] = reset
    app.extensions["flipside.limiter"] = limiter
    return limiter
