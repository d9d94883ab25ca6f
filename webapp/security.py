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

from flask import Flask, Request, Response, abort, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

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


#: The largest id a database row has (PostgreSQL ``integer``): larger ones match no route.
MAX_ID = 2**31 - 1
NUL_IN_ADDRESS = "The address contains an invisible NUL character. Remove it and try again."


class RowId(IntegerConverter):
    """``<int:...>`` in every route: an id past any row's is no address (404), never a
    query PostgreSQL refuses."""

    def __init__(self, map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]


def bound_ids(app: Flask) -> None:
    """Route ids up to :data:`MAX_ID` (call before any route is added)."""
    app.url_map.converters["int"] = RowId


def _refuse_nul_in_query() -> None:
    if request.query_string and any(
        "\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)
    ):
        abort(400, NUL_IN_ADDRESS)


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

    app.before_request(_refuse_nul_in_query)

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
