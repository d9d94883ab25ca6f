"""Paths for a programme's evaluation plan."""

from __future__ import annotations

from typing import Any

from webapp.api.openapi.common import AUTH_ERRORS, Security, error, json_body

_NUMBER_OR_NULL = {"type": ["number", "null"]}

PLAN: dict[str, Any] = {
    "type": "object",
    "required": ["version", "is_default", "frozen_on", "alpha", "correction", "items"],
    "properties": {
        "version": {"type": "integer", "minimum": 0},
        "is_default": {"type": "boolean"},
        "declared_on": {"type": ["string", "null"]},
        "frozen_on": {"type": ["string", "null"]},
        "alpha": {"type": "number"},
        "correction": {"type": "string", "enum": ["holm", "BH"]},
        "alpha_per_step": {"type": "number"},
        "hoped_effect": {"type": "number"},
        "expected": {"type": "object", "additionalProperties": {"type": "integer"}},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["order", "outcome", "comparison", "primary"],
                "properties": {
                    "order": {"type": "integer"},
                    "outcome": {"type": "string"},
                    "comparison": {"type": "string"},
                    "primary": {"type": "boolean"},
                    "minimum_detectable_effect": _NUMBER_OR_NULL,
                    "power_at_hoped_effect": _NUMBER_OR_NULL,
                    "power_note": {"type": "string"},
                },
            },
        },
        "amendments": {"type": "array", "items": {"type": "object"}},
    },
}


def plan_paths(bearer: Security) -> dict[str, Any]:
    """/api/v1/programmes/{programme_id}/plan."""
    return {
        "/api/v1/programmes/{programme_id}/plan": {
            "get": {
                "operationId": "evaluationPlan",
                "summary": (
                    "The programme's evaluation plan (declared, or the default from the "
                    "instruments), frozen at the first release, with its dated amendments and "
                    "the power of each planned comparison. Comparisons not in it are exploratory."
                ),
                "security": bearer,
                "parameters": [
                    {
                        "name": "programme_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    }
                ],
                "responses": {
                    "200": json_body("The plan.", PLAN),
                    **AUTH_ERRORS,
                    "404": error("No such programme among the account's firms."),
                },
            }
        }
    }
