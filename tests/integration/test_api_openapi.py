"""The OpenAPI document tells the truth: every /api route is in it, and schemathesis agrees.

Schemathesis generates requests from the document and sends them in process to
the Flask app with a valid token; every response must be documented, match its
schema and content type, and none may be a 5xx.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from surveys.db.session import Database
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from tests.support import factories as f


def flask_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_api_route_and_method_is_documented_and_nothing_else(app: Flask) -> None:
    routes = {
        (flask_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes == documented


def test_every_documented_operation_answers_errors_in_the_documented_shape(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            if op.get("security") == []:
                continue
            assert "401" in op["responses"], (method, path)
            concrete = (
                path.replace("{slug}", "x")
                .replace("{programme_id}", "1")
                .replace("{export_id}", "1")
                .replace("{token}", "x")
            )
            response = app.test_client().open(concrete, method=method.upper())
            assert response.status_code == 401
            assert set(response.get_json()["error"]) == {"code", "message", "details"}


@pytest.fixture
def api_schema(app: Flask, sqlite_db: Database) -> Iterator[Any]:
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session)
        account = create_account(
            session, "lead@example.com", "correct horse battery", "lead", [pairing.programme.firm]
        )
        token = create_api_token(session, account.id, "schemathesis").secret
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    yield schema


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


def test_the_api_conforms_to_its_openapi_document(api_schema: Any) -> None:
    # Driven by hand rather than schemathesis' pytest plugin, which pytest 9 breaks.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 5  # schemathesis leaves out the document's own path
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        conforms()


@pytest.fixture
def researcher_schema(app: Flask, sqlite_db: Database) -> Iterator[Any]:
    """The export operations as a researcher whose firm has responses to export."""
    with sqlite_db.transaction() as session:
        programme = f.programme(session)
        for i in range(6):
            f.response(session, programme, submitted_on=date(2026, 2, 1 + i))
        account = create_account(
            session, "r@example.com", "correct horse battery", "researcher", [programme.firm]
        )
        token = create_api_token(session, account.id, "schemathesis").secret
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    yield schema


def test_the_export_operations_conform_for_a_researcher(researcher_schema: Any) -> None:
    operations = [
        result.ok()
        for result in researcher_schema.get_all_operations()
        if "/exports" in result.ok().label
    ]
    assert len(operations) == 5  # request, status, bundle, link, download
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        conforms()
