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
                "description": (
                    "No cell discloses a group attribute: a histogram in which all but fewer "
                    "than k gave one answer, and a choice option chosen by fewer than k (or "
                    "by nobody) or by all but fewer than k, are left out exactly like a "
                    "cell below k. A lead's token gets cells summed to one cohort attribute "
                    "at a time (`by`, default `role`; the other attributes read `*`), never "
                    "the cross-classified cells. Researchers and admins get the stored cells "
                    "(each cohort combination generalised by the mixer to hold at least k "
                    "people, `*` where it was merged) unless they give `by`."
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
                    {
                        "name": "by",
                        "in": "query",
                        "description": "Sum the cells to this one cohort attribute.",
                        "schema": {"type": "string", "enum": list(COHORT)},
                    },
                ],
                "responses": {
                    "200": json_body(
                        "The released cells.",
                        {
                            "type": "object",
                            "required": ["programme_id", "by", "cells"],
                            "additionalProperties": False,
                            "properties": {
                                "programme_id": {"type": "integer"},
                                "by": {"type": ["string", "null"], "enum": [*COHORT, None]},
                                "cells": {"type": "array", "items": ref("AggregateCell")},
                            },
                        },
                    ),
                    **AUTH_ERRORS,
                    "404": error("No such programme among the account's firms."),
                    "422": error(
                        "programme_id is missing or not a positive integer, or `by` is not "
                        "a cohort attribute."
                    ),
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
                    "200": json_body(
                        "The test result (R's conventions), labelled exploratory: a cohort "
                        "comparison is never one of the evaluation plan's.",
                        {
                            "allOf": [
                                ref("TestResult"),
                                {
                                    "type": "object",
                                    "required": ["planned", "status"],
                                    "properties": {
                                        "planned": {"const": False},
                                        "status": {"const": "exploratory"},
                                    },
                                },
                            ]
                        },
                    ),
                    **AUTH_ERRORS,
                    "404": error("No such programme among the account's firms."),
                    "422": error(
                        "A parameter is missing or wrong, or a side has fewer than k responses."
                    ),
                },
            }
        },
    }
