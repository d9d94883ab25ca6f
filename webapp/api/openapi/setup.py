"""Paths for setting a firm up: its programmes, the meetings held and the HR import."""

from __future__ import annotations

from typing import Any

from webapp.api.openapi.common import AUTH_ERRORS, Security, error, json_body, ref


def setup_paths(bearer: Security) -> dict[str, Any]:
    """/api/v1/programmes, /api/v1/meetings and /api/v1/firms/{slug}/people."""
    return {
        "/api/v1/programmes": {
            "get": {
                "operationId": "listProgrammes",
                "summary": "Programmes of the firms the token's account may see.",
                "security": bearer,
                "responses": {
                    "200": json_body(
                        "The programmes.",
                        {
                            "type": "object",
                            "required": ["programmes"],
                            "additionalProperties": False,
                            "properties": {
                                "programmes": {"type": "array", "items": ref("Programme")}
                            },
                        },
                    ),
                    **AUTH_ERRORS,
                },
            }
        },
        "/api/v1/meetings": {
            "post": {
                "operationId": "recordMeeting",
                "summary": "Record that a pairing met (starts the pulse surveys).",
                "security": bearer,
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "A retried request with the same key records one meeting.",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 150},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("MeetingInput")}},
                },
                "responses": {
                    "201": json_body("Recorded.", ref("MeetingRecorded")),
                    "200": json_body(
                        "Already recorded (this key, or within the window).",
                        ref("MeetingRecorded"),
                    ),
                    "400": error("Malformed JSON or Idempotency-Key."),
                    **AUTH_ERRORS,
                    "404": error("No such pairing in the account's firms."),
                    "409": error("The key was used for a different meeting."),
                    "415": error("The body is not JSON."),
                    "422": error("A value is out of range (e.g. a date in the future)."),
                },
            }
        },
        "/api/v1/firms/{slug}/people": {
            "post": {
                "operationId": "importPeople",
                "summary": "Import HR data: all or nothing; re-imports update by internal_id.",
                "security": bearer,
                "parameters": [
                    {
                        "name": "slug",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        "application/json": {
                            "schema": {"type": "array", "items": ref("PersonRecord")}
                        },
                    },
                },
                "responses": {
                    "200": json_body("Imported.", ref("ImportResult")),
                    "400": error("Malformed JSON."),
                    **AUTH_ERRORS,
                    "404": error("No such firm among the account's firms."),
                    "413": error("The body is larger than 8 MB."),
                    "415": error("Neither text/csv nor JSON."),
                    "422": error(
                        "Rejected; details.problems lists {row, column, message} for "
                        "every problem and nothing was imported."
                    ),
                },
            }
        },
    }
