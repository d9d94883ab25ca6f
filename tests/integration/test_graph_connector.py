"""The Microsoft Graph connector against a local server implementing the documented token
endpoint and calendarView delta: meetings, paging, one key across mailboxes, failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from surveys.calendars.connectors import add_connector, sync_connector
from surveys.db.models import CalendarConnector, Meeting
from surveys.db.session import Database
from tests.support import factories as f
from tests.support.graph_server import CLIENT_ID, SECRET, TENANT, Graph, graph_event

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ENV = {"FLIPSIDE_CAL_GRAPH": SECRET}


@pytest.fixture
def graph() -> Iterator[Graph]:
    server = Graph()
    yield server
    server.close()


@pytest.fixture
def world(db: Database, graph: Graph) -> dict[str, Any]:
    with db.transaction() as session:
        pairing = f.pairing(session, started_on=date(2026, 1, 1))
        connector = add_connector(
            session, pairing.programme.firm_id, kind="graph", name="M365", url=graph.url,
            username=f"{CLIENT_ID}@{TENANT}", secret_env="FLIPSIDE_CAL_GRAPH",
        )  # fmt: skip
        return {
            "connector": connector.id,
            "mentor": pairing.mentor.email,
            "mentee": pairing.mentee.email,
        }


def sync(db: Database, w: dict[str, Any], now: datetime = NOW, env: dict[str, str] = ENV) -> Any:
    with db.transaction() as session:
        return sync_connector(session, w["connector"], now, env)


def test_graph_events_become_meetings_across_pages_and_are_withdrawn(
    db: Database, graph: Graph, world: dict[str, Any]
) -> None:
    pair = [(world["mentor"], "organizer"), (world["mentee"], "accepted")]
    graph.mailboxes[world["mentor"]] = [
        graph_event("a", "2026-03-05T10:00:00", "2026-03-05T11:00:00", pair, subject="Secret"),
        graph_event("b", "2026-03-06T10:00:00", "2026-03-06T11:00:00",
                    [(world["mentor"], "organizer"), (world["mentee"], "declined")]),
        graph_event("c", "2026-03-07T10:00:00", "2026-03-07T11:00:00", pair, cancelled=True),
        graph_event("d", "2026-03-10T11:30:00", "2026-03-10T12:30:00", pair),
    ]  # fmt: skip
    report = sync(db, world)
    assert report.error is None
    assert sorted(o.action for o in report.outcomes) == [
        "pending",
        "recorded",
        "skipped",
        "skipped",
    ]
    # Four events, one per page: the connector followed every @odata.nextLink.
    assert sum("calendarView/delta" in r for r in graph.requests) == 4
    assert "startDateTime=2026-02-24T12:00:00Z" in graph.requests[1]
    with db.sessions() as session:
        assert session.scalars(select(Meeting.source)).all() == ["graph"]
    graph.mailboxes[world["mentor"]] = []  # deleted in Outlook
    assert [o.action for o in sync(db, world).outcomes] == ["withdrawn"]


def test_a_throttled_or_failing_graph_backs_off_and_a_wrong_secret_is_reported(
    db: Database, graph: Graph, world: dict[str, Any]
) -> None:
    graph.fail = [(429, {"Retry-After": "30"})]
    assert sync(db, world).error == "throttled (HTTP 429)"
    with db.sessions() as session:
        row = session.get(CalendarConnector, world["connector"])
        assert row is not None and row.retry_after == NOW + timedelta(seconds=60)  # 1 min floor
    graph.fail = [(503, {})]
    assert sync(db, world, NOW + timedelta(minutes=2)).error == "HTTP 503"
    report = sync(db, world, NOW + timedelta(hours=1), {"FLIPSIDE_CAL_GRAPH": "wrong"})
    assert report.error == "Microsoft Graph refused the credentials (HTTP 401)"
    assert sync(db, world, NOW + timedelta(hours=2)).error is None
