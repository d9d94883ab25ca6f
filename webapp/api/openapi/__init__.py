"""The OpenAPI 3.1 document of /api/v1, kept true by tests/integration/test_api_openapi.py.

``schemas`` holds the component schemas; the paths are split by area
(``setup``: programmes, meetings, people; ``reports``: aggregates, comparisons;
``plans``: the evaluation plan;
``exports``; ``accounts``: staff provisioning); ``common`` has the pieces they share.
"""

from __future__ import annotations

from typing import Any

from webapp.api.openapi.accounts import account_paths, account_schemas
from webapp.api.openapi.common import Security, json_body
from webapp.api.openapi.exports import export_paths
from webapp.api.openapi.plans import plan_paths
from webapp.api.openapi.reports import report_paths
from webapp.api.openapi.schemas import schemas
from webapp.api.openapi.setup import setup_paths


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (a fresh dict each call)."""
    bearer: Security = [{"bearerToken": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Flipside API",
            "version": "1",
            "description": (
                "Programmes, meetings, HR imports, released aggregates and (for administrators) "
                "staff accounts. Authenticate with "
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
            "schemas": {**schemas(), **account_schemas()},
        },
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": json_body("The OpenAPI document.", {"type": "object"})},
                }
            },
            **setup_paths(bearer),
            **report_paths(bearer),
            **plan_paths(bearer),
            **export_paths(bearer),
            **account_paths(bearer),
        },
    }
