"""Issue 26: schemathesis against the API on PostgreSQL (which refuses NUL bytes and integers
past its column types, where SQLite takes them) with a token of every role: no request it
generates may end in a server error. Bounded: a few examples per operation and role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from surveys.db.session import Database
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from surveys.services.members import assign_programmes
from tests.support import factories as f

ROLES = ("admin", "lead", "researcher", "coordinator")
EXAMPLES = 25


@pytest.fixture
def tokens(pg_db: Database) -> dict[str, str]:
    """A token per role, on a firm with a pairing and responses to read or export."""
    with pg_db.transaction() as session:
        pairing = f.pairing(session)
        programme = pairing.programme
        for i in range(6):
            f.response(session, programme, submitted_on=date(2026, 2, 1 + i))
        secrets = {}
        for role in ROLES:
            firms = [] if role in ("admin", "coordinator") else [programme.firm]
            account = create_account(
                session, f"{role}@example.com", "correct horse battery", role, firms
            )
            if role == "coordinator":
                assign_programmes(session, account, [programme])
            secrets[role] = create_api_token(session, account.id, "schemathesis").secret
        return secrets


@pytest.mark.parametrize("role", ROLES)
def test_no_generated_request_ends_in_a_server_error(
    role: str, tokens: dict[str, str], pg_db: Database, make_settings: Callable[..., Any]
) -> None:
    from webapp import create_app

    app = create_app(
        {"TESTING": True, "FLIPSIDE_DATABASE": pg_db},
        settings=make_settings(database_url=pg_db.url, secret_key=f.SECRET),
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.headers = {"Authorization": f"Bearer {tokens[role]}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        no_server_error()
