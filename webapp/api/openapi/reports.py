"""Paths for what a reader may see: released aggregates and comparisons."""

from __future__ import annotations

from typing import Any

from surveys.domain.vocab import COHORT
from webapp.api.openapi.common import (
    AUTH_ERRORS,
    Security,
    error,
    json_body,
    ref,
)


def report_paths(bearer: Security) -> dict[str, Any]:
    """/api/v1/aggregates and /api/v1/programmes/{programme_id}/comparison."""
    return {
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
                    "200": json_body(
                        "The released cells.",
                        {
                            "type": "object",
                            "required": ["programme_id", "cells"],
                            "additionalProperties": False,
                            "properties": {
                                "programme_id": {"type": "integer"},
                                "cells": {"type": "array", "items": ref("AggregateCell")},
                            },
                        },
                    ),
                    **AUTH_ERRORS,
                    "404": error("No such programme among the account's firms."),
                    "422": error("programme_id is missing or not a positive integer."),
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
                    "200": json_body("The test result (R's conventions).", ref("TestResult")),
                    **AUTH_ERRORS,
                    "404": error("No such programme among the account's firms."),
                    "422": error(
                        "A parameter is missing or wrong, or a side has fewer than k responses."
                    ),
                },
            }
        },
    }
