"""The pieces every part of the OpenAPI document is built from: references, error
responses, the date format and the errors any authenticated route may answer."""

from __future__ import annotations

from typing import Any

#: Bearer-token security requirement, as each operation lists it.
Security = list[dict[str, list[str]]]

ERROR_CODES = (
    "bad_request",
    "unauthorised",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "conflict",
    "gone",
    "too_large",
    "unsupported_media_type",
    "invalid",
    "not_implemented",
    "error",
)

#: The cohort columns a comparison or a DP export may group by.


def ref(name: str) -> dict[str, str]:
    """A reference to one of the document's component schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def error(description: str) -> dict[str, Any]:
    """A documented error response (every error has the Error body)."""
    return {
        "description": description,
        "content": {"application/json": {"schema": ref("Error")}},
    }


def json_body(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A documented JSON response with ``schema``."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
AUTH_ERRORS = {
    "400": error("The address holds an invisible NUL character (any request is refused so)."),
    "401": error("No token, or an unknown or revoked one."),
    "403": error("The token's account may not do this."),
}
