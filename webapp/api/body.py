"""The JSON body of an API request, or a clear error saying what was wrong with it."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.api.auth import ApiError
from webapp.json_input import BadJson, parse


def json_body() -> Any:
    """The parsed body; 415 unless it is sent as JSON, 400 unless it parses (or nests too deep)."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        return parse(request.get_data(cache=True))
    except BadJson as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
