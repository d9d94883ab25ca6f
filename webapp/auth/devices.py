"""The "known device" cookie: a second factor of the sign-in throttle's decision.

After a successful sign-in the browser gets a signed cookie naming (a hash of) the
account's e-mail address and a random device id, valid for
:data:`LIFETIME`. A sign-in attempt for that same address from that browser is then
exempt from the limits an attacker elsewhere can fill (per account, per client
address, per account and address: :mod:`webapp.auth.limits`) and counts against the
device's own limit instead. So a stranger guessing a member of staff's password from
anywhere can slow sign-in only on browsers the owner never signed in from; the owner's
own browser still gets in. The cookie holds no session and grants nothing by itself:
the password is still checked. Stealing it gains one device's worth of guesses.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

COOKIE = "flipside_device"
#: How long a browser stays known after its last successful sign-in.
LIFETIME = 90 * 24 * 3600
_SALT = "flipside-known-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def email_key(email: str) -> str:
    """The normalised address tried, as the throttle and the cookie know it."""
    return email.strip().lower()[:254]


def _digest(email: str) -> str:
    return hashlib.sha256(email_key(email).encode()).hexdigest()[:32]


def remember(response: Response, email: str) -> None:
    """Mark this browser as known for ``email`` (after a successful sign-in)."""
    device = request.cookies.get(COOKIE)
    current = known_device(email) if device else None
    value = _serializer().dumps({"e": _digest(email), "d": current or secrets.token_urlsafe(12)})
    response.set_cookie(
        COOKIE,
        value,
        max_age=LIFETIME,
        path="/auth/login",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Strict",
    )


def known_device(email: str) -> str | None:
    """This browser's device id when its cookie is valid for ``email``, else None."""
    raw = request.cookies.get(COOKIE)
    if not raw or not email:
        return None
    try:
        value = _serializer().loads(raw, max_age=LIFETIME)
    except BadSignature:
        return None
    if not isinstance(value, dict) or value.get("e") != _digest(email):
        return None
    device = value.get("d")
    return device if isinstance(device, str) else None
