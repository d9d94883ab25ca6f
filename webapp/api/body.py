"""The JSON body of an API request, or a clear error saying what was wrong with it."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api.auth import ApiError


def json_body() -> Any:
    """The parsed body; 415 unless it is sent as JSON, 400 unless it parses."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "bad_request", "the body is not valid JSON")
    return body
