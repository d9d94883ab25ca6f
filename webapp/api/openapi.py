"""The OpenAPI 3.1 document of /api/v1, kept true by tests/integration/test_api_openapi.py."""

from __future__ import annotations

from typing import Any

from surveys.domain.vocab import CELL_KEY, COHORT, COHORT_VALUES, PROGRAMME_STATUSES
from surveys.services.people_import import COLUMNS, REQUIRED

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


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_AUTH_ERRORS = {
    "401": _error("No token, or an unknown or revoked one."),
    "403": _error("The token's account may not do this."),
}


#: The columns of an aggregate cell as the API lists it: its key without the firm and
#: programme (the request names those).
_CELL_COLUMNS = tuple(name for name in CELL_KEY if name not in ("firm_id", "programme_id"))


def _schemas() -> dict[str, Any]:
    person_fields: dict[str, Any] = {c: {"type": ["string", "null"]} for c in COLUMNS}
    person_fields["promotion_dates"] = {
        "oneOf": [
            {"type": ["string", "null"]},
            {"type": "array", "items": {"type": "string"}},
        ],
        "description": "Dates separated by ';' (or a list); each may end '=level'.",
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "additionalProperties": False,
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message", "details"],
                    "additionalProperties": False,
                    "properties": {
                        "code": {"type": "string", "enum": list(ERROR_CODES)},
                        "message": {"type": "string"},
                        "details": {"type": "object"},
                    },
                }
            },
        },
        "Programme": {
            "type": "object",
            "required": ["id", "firm", "name", "starts_on", "status", "longitudinal"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer"},
                "firm": {"type": "string", "description": "The firm's slug."},
                "name": {"type": "string"},
                "starts_on": _DATE,
                "status": {"type": "string", "enum": list(PROGRAMME_STATUSES)},
                "longitudinal": {"type": "boolean"},
            },
        },
        "MeetingInput": {
            "type": "object",
            "required": ["pairing_id", "held_on"],
            "properties": {
                "pairing_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                "held_on": _DATE,
            },
        },
        "Meeting": {
            "type": "object",
            "required": ["id", "pairing_id", "held_on", "source"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer"},
                "pairing_id": {"type": "integer"},
                "held_on": _DATE,
                "source": {"type": "string"},
            },
        },
        "MeetingRecorded": {
            "type": "object",
            "required": ["meeting", "replayed"],
            "additionalProperties": False,
            "properties": {
                "meeting": _ref("Meeting"),
                "replayed": {
                    "type": "boolean",
                    "description": "True when this Idempotency-Key was seen before.",
                },
            },
        },
        "PersonRecord": {
            "type": "object",
            "required": list(REQUIRED),
            "additionalProperties": False,
            "properties": person_fields,
        },
        "ImportResult": {
            "type": "object",
            "required": ["created", "updated", "unchanged", "promotions"],
            "additionalProperties": False,
            "properties": {
                k: {"type": "integer", "minimum": 0}
                for k in ("created", "updated", "unchanged", "promotions")
            },
        },
        "TestResult": {
            "type": "object",
            "required": [
                "test",
                "statistic",
                "df",
                "pvalue",
                "pvalue_adjusted",
                "n",
                "effect_size",
                "ci",
                "notes",
                "summary",
            ],
            "properties": {
                "test": {"type": "string"},
                "statistic": {"type": ["number", "null"]},
                "df": {"type": ["number", "null"]},
                "pvalue": {"type": ["number", "null"]},
                "pvalue_adjusted": {"type": ["number", "null"]},
                "n": {"type": "object", "additionalProperties": {"type": "integer"}},
                "effect_size": {"type": ["object", "null"]},
                "ci": {"type": ["array", "null"], "items": {"type": ["number", "null"]}},
                "notes": {"type": "array", "items": {"type": "string"}},
                "summary": {"type": "string"},
            },
        },
        "ExportInput": {"oneOf": [_ref("RowsExportInput"), _ref("DpExportInput")]},
        "DpExportInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind", "round_id", "epsilon"],
            "description": (
                "Differentially private counts and means per cohort of one survey round; "
                "refused with 409 once the round's privacy budget is spent."
            ),
            "properties": {
                "kind": {"const": "dp"},
                "round_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                "epsilon": {"type": "number", "minimum": 0.01, "maximum": 1.0},
                "by": {"type": "string", "enum": list(COHORT)},
            },
        },
        "RowsExportInput": {
            "type": "object",
            "additionalProperties": False,
            "description": "Empty lists and missing fields mean: everything the account may see.",
            "properties": {
                "kind": {"const": "rows"},
                "firm_ids": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                },
                "programme_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                "survey_keys": {"type": "array", "items": {"type": "string"}},
                "date_from": _DATE,
                "date_to": _DATE,
                "include_comments": {
                    "type": "boolean",
                    "description": "Masked free text, only for groups of at least 10.",
                },
            },
        },
        "Export": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "id",
                "kind",
                "status",
                "rows_done",
                "rows_total",
                "message",
                "scope",
                "options",
                "created_at",
                "finished_at",
                "expires_at",
                "sha256",
                "status_url",
            ],
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": ["rows", "dp"]},
                "status": {
                    "type": "string",
                    "enum": ["queued", "running", "done", "empty", "failed", "expired"],
                },
                "rows_done": {"type": "integer", "minimum": 0},
                "rows_total": {"type": "integer", "minimum": 0},
                "message": {"type": ["string", "null"]},
                "scope": {"type": "object"},
                "options": {"type": "object"},
                "created_at": {"type": "string", "format": "date-time"},
                "finished_at": {"type": ["string", "null"], "format": "date-time"},
                "expires_at": {"type": ["string", "null"], "format": "date-time"},
                "sha256": {"type": ["string", "null"]},
                "status_url": {"type": "string"},
            },
        },
        "ExportLink": {
            "type": "object",
            "additionalProperties": False,
            "required": ["download_url", "expires_at"],
            "properties": {
                "download_url": {"type": "string"},
                "expires_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        "AggregateCell": {
            "type": "object",
            "additionalProperties": False,
            "required": [*_CELL_COLUMNS, "n", "sum", "sum_of_squares", "histogram"],
            "properties": {
                "survey_key": {"type": "string"},
                "survey_version": {"type": "integer"},
                "question_key": {"type": "string"},
                "item": {"type": "string"},
                **{name: {"type": "string", "enum": list(COHORT_VALUES[name])} for name in COHORT},
                "period_kind": {"type": "string", "enum": ["week", "month", "round"]},
                "period": {"type": "string"},
                "n": {"type": "integer", "minimum": 0},
                "sum": {"type": "integer"},
                "sum_of_squares": {"type": "integer"},
                "histogram": {
                    "type": "object",
                    "additionalProperties": {"type": "integer", "minimum": 0},
                },
            },
        },
    }


_EXPORT_ERRORS = {
    **_AUTH_ERRORS,
    "403": _error("Not an admin or researcher account, or a scope outside its firms."),
}


def _export_paths(bearer: list[dict[str, list[str]]]) -> dict[str, Any]:
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
        "properties": {"export": _ref("Export")},
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
                    "content": {"application/json": {"schema": _ref("ExportInput")}},
                },
                "responses": {
                    "202": _json("Requested; poll status_url for progress.", one_export),
                    "400": _error("Malformed JSON."),
                    **_EXPORT_ERRORS,
                    "404": _error("No such programme or survey round."),
                    "409": _error("A DP request over the round's privacy budget (what is left)."),
                    "415": _error("The body is not JSON."),
                    "422": _error("A value is wrong, or no responses match the scope."),
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
                    "200": _json("The export.", one_export),
                    **_EXPORT_ERRORS,
                    "404": _error("No such export of this account."),
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
                    "201": _json("The link.", _ref("ExportLink")),
                    **_EXPORT_ERRORS,
                    "404": _error("No such export of this account."),
                    "410": _error("The export has expired."),
                    "422": _error("The export is not finished (or came out empty)."),
                },
            }
        },
        "/api/v1/exports/download/{token}": {
            "get": {
                "operationId": "exportDownload",
                "summary": "The bundle (a zip). Every download is audited.",
                "security": bearer,
                "parameters": [
                    {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "The zip.",
                        "content": {
                            "application/zip": {
                                "schema": {"type": "string", "contentEncoding": "binary"}
                            }
                        },
                    },
                    **_EXPORT_ERRORS,
                    "404": _error("Unknown link, or another account's."),
                    "410": _error("The export has expired."),
                },
            }
        },
    }


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (a fresh dict each call)."""
    bearer: list[dict[str, list[str]]] = [{"bearerToken": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Flipside API",
            "version": "1",
            "description": (
                "Programmes, meetings, HR imports and released aggregates. Authenticate with "
                "a per-account API token (`flipside users token create`): "
                "`Authorization: Bearer <token>`. Every error is "
                '`{"error": {"code", "message", "details"}}`. Aggregates are released in '
                "batches and cells describing fewer than the firm's minimum group size, or "
                "a month whose difference from the weeks inside it is below it, are never "
                "returned."
            ),
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(),
        },
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": _json("The OpenAPI document.", {"type": "object"})},
                }
            },
            "/api/v1/programmes": {
                "get": {
                    "operationId": "listProgrammes",
                    "summary": "Programmes of the firms the token's account may see.",
                    "security": bearer,
                    "responses": {
                        "200": _json(
                            "The programmes.",
                            {
                                "type": "object",
                                "required": ["programmes"],
                                "additionalProperties": False,
                                "properties": {
                                    "programmes": {"type": "array", "items": _ref("Programme")}
                                },
                            },
                        ),
                        **_AUTH_ERRORS,
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
                            "description": "A retried request with the same key records "
                            "one meeting.",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 150},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("MeetingInput")}},
                    },
                    "responses": {
                        "201": _json("Recorded.", _ref("MeetingRecorded")),
                        "200": _json("Already recorded with this key.", _ref("MeetingRecorded")),
                        "400": _error("Malformed JSON or Idempotency-Key."),
                        **_AUTH_ERRORS,
                        "404": _error("No such pairing in the account's firms."),
                        "409": _error("The key was used for a different meeting."),
                        "415": _error("The body is not JSON."),
                        "422": _error("A value is out of range (e.g. a date in the future)."),
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
                                "schema": {"type": "array", "items": _ref("PersonRecord")}
                            },
                        },
                    },
                    "responses": {
                        "200": _json("Imported.", _ref("ImportResult")),
                        "400": _error("Malformed JSON."),
                        **_AUTH_ERRORS,
                        "404": _error("No such firm among the account's firms."),
                        "413": _error("The body is larger than 8 MB."),
                        "415": _error("Neither text/csv nor JSON."),
                        "422": _error(
                            "Rejected; details.problems lists {row, column, message} for "
                            "every problem and nothing was imported."
                        ),
                    },
                }
            },
            "/api/v1/aggregates": {
                "get": {
                    "operationId": "listAggregates",
                    "summary": (
                        "Released histogram cells of a programme that pass disclosure control: "
                        "n >= the firm's k, no month within k of the weeks inside it, and "
                        "surveys run in rounds by round only."
                    ),
                    "security": bearer,
                    "parameters": [
                        {
                            "name": "programme_id",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                        },
                        {"name": "survey_key", "in": "query", "schema": {"type": "string"}},
                        {"name": "question_key", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": _json(
                            "The released cells.",
                            {
                                "type": "object",
                                "required": ["programme_id", "cells"],
                                "additionalProperties": False,
                                "properties": {
                                    "programme_id": {"type": "integer"},
                                    "cells": {"type": "array", "items": _ref("AggregateCell")},
                                },
                            },
                        ),
                        **_AUTH_ERRORS,
                        "404": _error("No such programme among the account's firms."),
                        "422": _error("programme_id is missing or not a positive integer."),
                    },
                }
            },
            "/api/v1/programmes/{programme_id}/comparison": {
                "get": {
                    "operationId": "compareCohorts",
                    "summary": (
                        "Two cohorts compared on one Likert or 0-10 question, from released "
                        "aggregates; refused when a side has fewer responses than the firm's k."
                    ),
                    "security": bearer,
                    "parameters": [
                        {
                            "name": "programme_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                        },
                        {
                            "name": "survey_key",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "question_key",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "by",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "enum": list(COHORT)},
                        },
                        {
                            "name": "a",
                            "in": "query",
                            "required": True,
                            "description": "comma-separated values of `by` on the first side",
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "b",
                            "in": "query",
                            "required": True,
                            "description": "comma-separated values of `by` on the second side",
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "test",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "enum": ["welch", "mwu", "brunner-munzel"],
                            },
                        },
                        {
                            "name": "alternative",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["two-sided", "less", "greater"]},
                        },
                        {
                            "name": "round_id",
                            "in": "query",
                            "description": "required for climate surveys, refused for pulses",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                        },
                    ],
                    "responses": {
                        "200": _json("The test result (R's conventions).", _ref("TestResult")),
                        **_AUTH_ERRORS,
                        "404": _error("No such programme among the account's firms."),
                        "422": _error(
                            "A parameter is missing or wrong, or a side has fewer than k responses."
                        ),
                    },
                }
            },
            **_export_paths(bearer),
        },
    }
