"""Paths for research exports: request, status, one-step bundle, link and download."""

from __future__ import annotations

from typing import Any

from webapp.api.openapi.common import AUTH_ERRORS, Security, error, json_body, ref

_ZIP = {
    "description": "The zip.",
    "content": {"application/zip": {"schema": {"type": "string", "contentEncoding": "binary"}}},
}
_EXPORT_ERRORS = {
    **AUTH_ERRORS,
    "403": error("Not an admin or researcher account, or a scope outside its firms."),
}


def export_paths(bearer: Security) -> dict[str, Any]:
    """/api/v1/exports and the routes under it."""
    export_id = {
        "name": "export_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    }
    one_export = {
        "type": "object",
        "required": ["export"],
        "additionalProperties": False,
        "properties": {"export": ref("Export")},
    }
    return {
        "/api/v1/exports": {
            "post": {
                "operationId": "requestExport",
                "summary": (
                    "Request an anonymised research bundle (CSV, Parquet, SPSS, Stata, codebook, "
                    "disclosure report); a worker builds it."
                ),
                "security": bearer,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("ExportInput")}},
                },
                "responses": {
                    "202": json_body("Requested; poll status_url for progress.", one_export),
                    "400": error("Malformed JSON."),
                    **_EXPORT_ERRORS,
                    "404": error("No such programme or survey round."),
                    "409": error(
                        "A DP request over the round's privacy budget (what is left), or "
                        "priorities that differ from the scope's existing release."
                    ),
                    "415": error("The body is not JSON."),
                    "422": error("A value is wrong, or no responses match the scope."),
                },
            }
        },
        "/api/v1/exports/{export_id}": {
            "get": {
                "operationId": "exportStatus",
                "summary": "An export of the token's account: state and rows processed.",
                "security": bearer,
                "parameters": [export_id],
                "responses": {
                    "200": json_body("The export.", one_export),
                    **_EXPORT_ERRORS,
                    "404": error("No such export of this account."),
                },
            }
        },
        "/api/v1/exports/{export_id}/link": {
            "post": {
                "operationId": "exportLink",
                "summary": (
                    "A new download link for a finished export (shown once; the previous one "
                    "stops working); it works for this account only, until the export expires."
                ),
                "security": bearer,
                "parameters": [export_id],
                "responses": {
                    "201": json_body("The link.", ref("ExportLink")),
                    **_EXPORT_ERRORS,
                    "404": error("No such export of this account."),
                    "410": error("The export has expired."),
                    "422": error("The export is not finished (or came out empty)."),
                },
            }
        },
        "/api/v1/exports/{export_id}/bundle": {
            "get": {
                "operationId": "exportBundle",
                "summary": (
                    "One step: the token's own finished export as a zip, without a link. "
                    "Every download is audited."
                ),
                "security": bearer,
                "parameters": [export_id],
                "responses": {
                    "200": _ZIP,
                    **_EXPORT_ERRORS,
                    "404": error("No such export of this account."),
                    "410": error("The export has expired, or is not finished."),
                },
            }
        },
        "/api/v1/exports/download/{token}": {
            "get": {
                "operationId": "exportDownload",
                "summary": (
                    "The bundle (a zip) behind a single-use link. Every download is audited."
                ),
                "security": bearer,
                "parameters": [
                    {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _ZIP,
                    **_EXPORT_ERRORS,
                    "404": error("Unknown or already used link, or another account's."),
                    "410": error("The export has expired."),
                },
            }
        },
    }
