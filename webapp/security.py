"""Security headers on every response, and keeping survey tokens out of logs."""

from __future__ import annotations

import logging
import re

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # A survey URL carries its token: never send it on to another site.
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
_TOKEN_PATH = re.compile(r"/s/[A-Za-z0-9_-]+")


class RedactSurveyTokens(logging.Filter):
    """Access logs must not record survey links: a token plus a time links a person to a visit."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _TOKEN_PATH.sub("/s/<token>", record.msg)
        if record.args:
            record.args = tuple(
                _TOKEN_PATH.sub("/s/<token>", a) if isinstance(a, str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        return True


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus building a signer for a request without a cookie.

    Participants' pages never carry one, and they are the busiest; the result is
    the same empty session Flask would have made."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessions()
    redact = RedactSurveyTokens()
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSurveyTokens) for f in logger.filters):
            logger.addFilter(redact)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        present = {key.lower() for key in headers.keys()}
        for key, value in _HEADERS:  # one pass: this runs on every response
            if key.lower() not in present:
                headers.add(key, value)
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith("/s/"):
            headers["Cache-Control"] = "no-store"
        return response
