"""Error pages (HTML, or JSON for API clients) for every 4xx and 500."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from surveys.services.errors import ServiceError
from webapp.wording import translate

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "There is nothing at this address.",
    405: "That method is not allowed here.",
    409: "That conflicts with what is already recorded.",
    410: "This link is no longer valid.",
    413: "What you sent is too large.",
    422: "Some of what you sent could not be accepted.",
    429: "Too many attempts.",
    500: "Something went wrong on our side. Nothing you submitted was half-saved.",
    503: "Flipside cannot answer just now.",
}


def sentence(error: Exception) -> str:
    """A service error as a sentence for a form ("there is..." -> "There is....")."""
    text = str(error)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, message: str | None = None) -> ResponseReturnValue:
    # A participant's page is in their language (webapp.languages); staff pages stay English.
    title = translate(MESSAGES.get(status, "Error"))
    text = translate(message) if message else title
    if _wants_json():
        code = {
            400: "bad_request",
            401: "unauthorised",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            410: "gone",
            413: "too_large",
            415: "unsupported_media_type",
            422: "invalid",
            429: "too_many_requests",
            501: "not_implemented",
        }.get(status, "error")
        return jsonify(error={"code": code, "message": text, "details": {}}), status
    return render_template("error.html", status=status, title=title, message=text), status


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> ResponseReturnValue:
        return render_error(
            400,
            "This form has expired or was not sent from Flipside. Reload the page and try again.",
        )

    @app.errorhandler(ServiceError)
    def _service(exc: ServiceError) -> ResponseReturnValue:
        return render_error(exc.status, str(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        if isinstance(exc, InternalServerError):
            return _internal(exc)
        status = exc.code or 500
        message = exc.description if exc.description != type(exc).description else None
        return render_error(status, message)

    @app.errorhandler(Exception)
    def _internal(exc: Exception) -> ResponseReturnValue:
        log.exception("unhandled error")
        return render_error(500)
