"""Security headers, trusting a reverse proxy, and keeping link tokens out of logs.

Behind a TLS-terminating proxy the app sees plain HTTP unless it trusts the
proxy's ``X-Forwarded-*`` headers: ``FLIPSIDE_PROXY_HOPS`` says how many proxies
to trust (werkzeug's ProxyFix; 0, the default, trusts none, so a client cannot
pretend to be on HTTPS or at another address). HSTS is sent whenever the
request arrived over HTTPS, directly or through a trusted proxy.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

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
#: Paths whose last segment is a secret: survey and opt-out links, "we met" links,
#: research export download links and staff set-password (invitation or reset) links.
_TOKEN_PATH = re.compile(r"/(s|met|exports/download|auth/set-password)/[^/\s?#\"']+")
#: Pages that show results, staff pages and participants' pages: never kept in a cache.
NO_STORE_PREFIXES = ("/s/", "/met/", "/dashboard", "/admin", "/api/", "/exports", "/auth")
#: Loggers that may record a request's path.
REDACTED_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "flask.app", "webapp.errors")


def redact(text: str) -> str:
    """``text`` with every token-bearing path's token replaced by ``<token>``."""
    return _TOKEN_PATH.sub(r"/\1/<token>", text)


def _redact_arg(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactSurveyTokens(logging.Filter):
    """Logs must not record link tokens: a token plus a time links a person to a visit."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, Mapping):  # gunicorn's access log formats from a mapping
            record.args = {key: _redact_arg(value) for key, value in args.items()}
        elif isinstance(args, tuple):
            record.args = tuple(_redact_arg(a) for a in args)
        return True


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus building a signer for a request without a cookie.

    Participants' pages never carry one, and they are the busiest; the result is
    the same empty session Flask would have made."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask, proxy_hops: int = 0) -> None:
    app.session_interface = CookieSessions()
    if proxy_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=proxy_hops,
            x_proto=proxy_hops,
            x_host=proxy_hops,
            x_port=proxy_hops,
            x_prefix=proxy_hops,
        )
    redactor = RedactSurveyTokens()
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSurveyTokens) for f in logger.filters):
            logger.addFilter(redactor)
    if not any(isinstance(f, RedactSurveyTokens) for f in app.logger.filters):
        app.logger.addFilter(redactor)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        present = {key.lower() for key in headers.keys()}
        for key, value in _HEADERS:  # one pass: this runs on every response
            if key.lower() not in present:
                headers.add(key, value)
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith(NO_STORE_PREFIXES):
            headers["Cache-Control"] = "no-store"
        return response
