"""The document's component schemas: request bodies, results and the error body."""

from __future__ import annotations

from typing import Any

from surveys.domain.vocab import CELL_KEY, COHORT, COHORT_VALUES, PROGRAMME_STATUSES
from surveys.export.priorities import PROTECTABLE
from surveys.services.people import COLUMNS, REQUIRED
from webapp.api.openapi.common import DATE, ERROR_CODES, ref

#: The columns of an aggregate cell as the API lists it: its key without the firm and
#: programme (the request names those).
CELL_COLUMNS = tuple(name for name in CELL_KEY if name not in ("firm_id", "programme_id"))


def schemas() -> dict[str, Any]:
    """components.schemas of the document, by name."""
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
                "starts_on": DATE,
                "status": {"type": "string", "enum": list(PROGRAMME_STATUSES)},
                "longitudinal": {"type": "boolean"},
            },
        },
        "MeetingInput": {
            "type": "object",
            "required": ["pairing_id", "held_on"],
            "properties": {
                "pairing_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                "held_on": DATE,
            },
        },
        "Meeting": {
            "type": "object",
            "required": ["id", "pairing_id", "held_on", "source"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer"},
                "pairing_id": {"type": "integer"},
                "held_on": DATE,
                "source": {"type": "string"},
            },
        },
        "MeetingRecorded": {
            "type": "object",
            "required": ["meeting", "replayed"],
            "additionalProperties": False,
            "properties": {
                "meeting": ref("Meeting"),
                "replayed": {
                    "type": "boolean",
                    "description": (
                        "True when this Idempotency-Key was seen before, or the pairing"
                        " already has a meeting within the window (default ±3 days)."
                    ),
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
        "ExportInput": {"oneOf": [ref("RowsExportInput"), ref("DpExportInput")]},
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
                "date_from": DATE,
                "date_to": DATE,
                "include_comments": {
                    "type": "boolean",
                    "description": "Masked free text, only for groups of at least 10.",
                },
                "protect": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(PROTECTABLE)},
                    "description": (
                        "Quasi-identifiers to keep first, most important first (e.g. role): "
                        "the others are coarsened or blanked before them. The scope's first "
                        "export fixes them; a different order later is refused (409)."
                    ),
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
            "required": [*CELL_COLUMNS, "n", "sum", "sum_of_squares", "histogram"],
            "properties": {
                "survey_key": {"type": "string"},
                "survey_version": {"type": "integer"},
                "question_key": {"type": "string"},
                "item": {"type": "string"},
                # "*": generalised by the mixer, or summed over in a one-attribute listing.
                **{
                    name: {"type": "string", "enum": [*COHORT_VALUES[name], "*"]} for name in COHORT
                },
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
