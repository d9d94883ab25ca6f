"""Issue 26: the password-reset page tells nobody which addresses have accounts, and cannot be
used to flood a mailbox. The page writes one outbox event for every address; a worker
looks the address up and mails at most one link per account per interval."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from surveys.db.session import Database
from surveys.mail import plain_text
from surveys.services.accounts import create_account
from tests.integration.test_mail_flow import drain
from tests.support.smtp import smtp_server

PASSWORD = "correct horse battery"
KNOWN = "lead@example.com"


@pytest.fixture
def reset_app(
    sqlite_db: Database, make_settings: Callable[..., Any], pipeline: Callable[..., Any]
) -> Callable[..., Any]:
    with sqlite_db.transaction() as session:
        create_account(session, KNOWN, PASSWORD, "lead")

    def build(**overrides: Any) -> Any:
        from webapp import create_app

        settings = pipeline(**overrides)
        return create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)

    return build


def ask(client: FlaskClient, email: str, address: str = "198.51.100.7") -> Any:
    page = client.get("/auth/reset", environ_base={"REMOTE_ADDR": address})
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data)
    assert token
    return client.post(
        "/auth/reset",
        data={"email": email, "csrf_token": token.group(1).decode()},
        environ_base={"REMOTE_ADDR": address},
    )


def test_ten_requests_send_one_mail_with_a_working_link(reset_app: Callable[..., Any]) -> None:
    with smtp_server() as (url, inbox):
        client = reset_app(smtp_url=url).test_client()
        for i in range(10):
            assert ask(client, KNOWN.upper(), f"203.0.113.{i}").status_code == 303
        drain()
        messages = inbox.wait_for(2, seconds=2)
    assert len(messages) == 1, "at most one reset mail per account per interval"
    link = re.search(r"https?://\S+/auth/set-password/(\S+)", plain_text(messages[0]))
    assert link, plain_text(messages[0])
    assert client.get(f"/auth/set-password/{link.group(1)}").status_code == 200


def test_reset_requests_are_limited_per_client_address_and_per_address_tried(
    reset_app: Callable[..., Any],
) -> None:
    client = reset_app(reset_limit_address="3 per hour").test_client()
    same_client = [ask(client, f"u{i}@example.com").status_code for i in range(5)]
    assert same_client == [303] * 3 + [429] * 2
    spread = [ask(client, KNOWN, f"203.0.113.{i}").status_code for i in range(5)]
    assert spread == [303] * 3 + [429] * 2
    refused = ask(client, "nobody@example.com", "192.0.2.1")
    assert refused.status_code == 303  # another address tried, another client: untouched


@pytest.fixture
def statements(sqlite_db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(re.sub(r"\s+", " ", str(args[2])))

    event.listen(sqlite_db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(sqlite_db.engine, "before_cursor_execute", record)


def test_known_and_unknown_addresses_cost_the_page_the_same_work(
    reset_app: Callable[..., Any], statements: list[str]
) -> None:
    client = reset_app().test_client()
    ask(client, "warm-up@example.com", "192.0.2.1")
    statements.clear()
    known = ask(client, KNOWN, "192.0.2.2")
    known_work = list(statements)
    statements.clear()
    unknown = ask(client, "nobody@example.com", "192.0.2.3")
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    assert known_work == statements, "the page did different database work for a known address"


def test_known_and_unknown_addresses_take_about_as_long(
    reset_app: Callable[..., Any],
) -> None:
    """A bounded check on medians of interleaved requests (not a tight timing assertion)."""
    client = reset_app(reset_limit_address="1000 per hour").test_client()

    def timed(email: str) -> float:
        started = time.perf_counter()
        assert ask(client, email, "192.0.2.10").status_code == 303
        return time.perf_counter() - started

    timed("warm-up@example.com")
    known: list[float] = []
    unknown: list[float] = []
    for i in range(25):
        known.append(timed(KNOWN))
        unknown.append(timed(f"nobody{i}@example.com"))
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.6 <= ratio <= 1.6, (
        f"a reset for a known address took {ratio:.2f} times as long as for an unknown one "
        f"(medians {statistics.median(known) * 1000:.1f} ms and "
        f"{statistics.median(unknown) * 1000:.1f} ms over 25 requests each): the page "
        "tells which addresses have accounts"
    )
