"""Operating calendar connectors: the CLI, /healthz, an ICS feed that throttles (429)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from surveys.calendars.connectors import add_connector, sync_connector
from surveys.db.models import CalendarConnector, Meeting
from surveys.db.session import Database
from tests.support import factories as f
from tests.support.radicale_server import vevent

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


class Feed:
    """An ICS feed on loopback: answers 429 with Retry-After while ``throttle`` is set."""

    def __init__(self) -> None:
        self.body = b""
        self.throttle: str | None = None
        self.auth: list[str | None] = []
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                feed.auth.append(self.headers.get("Authorization"))
                if feed.throttle is not None:
                    self.send_response(429)
                    self.send_header("Retry-After", feed.throttle)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.end_headers()
                self.wfile.write(feed.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/feed.ics"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def feed() -> Iterator[Feed]:
    served = Feed()
    yield served
    served.server.shutdown()
    served.server.server_close()


def test_an_ics_feed_is_read_and_a_429_backs_off_as_long_as_retry_after_says(
    db: Database, feed: Feed
) -> None:
    with db.transaction() as session:
        pairing = f.pairing(session, started_on=date(2026, 1, 1))
        people = [(pairing.mentor.email, "ACCEPTED"), (pairing.mentee.email, "ACCEPTED")]
        connector = add_connector(
            session, pairing.programme.firm_id, kind="ics", name="Feed", url=feed.url,
            username="reader", secret_env="FLIPSIDE_CAL_FEED",
        )  # fmt: skip
        cid = connector.id
    env = {"FLIPSIDE_CAL_FEED": "feed-password"}
    feed.body = vevent("ics-1", "20260305T100000", "20260305T110000", people).encode()
    feed.throttle = "120"
    with db.transaction() as session:
        report = sync_connector(session, cid, NOW, env)
        assert report.error == "throttled (HTTP 429)"
        row = session.get(CalendarConnector, cid)
        assert row is not None and row.retry_after == NOW + timedelta(seconds=120)
        # Before Retry-After has passed, the feed is not asked again.
        asked = len(feed.auth)
        assert sync_connector(session, cid, NOW + timedelta(seconds=100), env).error
        assert len(feed.auth) == asked
    feed.throttle = None
    with db.transaction() as session:
        report = sync_connector(session, cid, NOW + timedelta(seconds=121), env)
        assert [o.action for o in report.outcomes] == ["recorded"]
        assert session.scalars(select(Meeting.source)).all() == ["ics"]
    assert feed.auth[-1] is not None and feed.auth[-1].startswith("Basic ")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "exchange"}, "kind must be one of"),
        ({"url": "file:///etc/passwd"}, "http(s) address"),
        ({"url": "https://user:pw@cal.example/x"}, "no credentials in the URL"),
        ({"secret_env": "hunter2-the-actual-password"}, "not the secret itself"),
        ({"lookback_days": 0}, "between 1 and 90"),
        ({"name": " "}, "1 to 100"),
    ],
)
def test_bad_connector_settings_are_refused_and_nothing_is_written(
    sqlite_db: Database, changes: dict[str, Any], message: str
) -> None:
    from surveys.services.errors import Invalid

    with sqlite_db.transaction() as session:
        firm = f.firm(session)
        values: dict[str, Any] = {
            "kind": "caldav", "name": "C", "url": "https://cal.example/c/",
            "secret_env": "FLIPSIDE_CAL_X", "lookback_days": 14, **changes,
        }  # fmt: skip
        with pytest.raises(Invalid, match=re.escape(message)):
            add_connector(session, firm.id, **values)
        assert session.scalars(select(CalendarConnector)).all() == []


def test_the_cli_adds_lists_and_dry_runs_a_connector(
    app: Any, sqlite_db: Database, feed: Feed
) -> None:
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session, started_on=date(2026, 1, 1))
        slug = pairing.programme.firm.slug
        yesterday = date.today() - timedelta(days=1)
        people = [(pairing.mentor.email, "ACCEPTED"), (pairing.mentee.email, "ACCEPTED")]
    day = yesterday.strftime("%Y%m%d")
    feed.body = vevent("cli-1", f"{day}T100000", f"{day}T110000", people, tz="UTC").encode()
    runner = app.test_cli_runner()
    added = runner.invoke(
        args=[
            "calendars",
            "add",
            "--firm",
            slug,
            "--kind",
            "ics",
            "--name",
            "Feed",
            "--url",
            feed.url,
        ]
    )
    assert added.exit_code == 0, added.output
    refused = runner.invoke(
        args=["calendars", "add", "--firm", slug, "--kind", "ics", "--name", "F",
              "--url", feed.url, "--secret-env", "s3cret"]
    )  # fmt: skip
    assert refused.exit_code == 2 and "not the secret itself" in refused.output
    with sqlite_db.sessions() as session:
        [cid] = session.scalars(select(CalendarConnector.id)).all()
    dry = runner.invoke(args=["calendars", "sync", str(cid), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{yesterday.isoformat()}\trecorded" in dry.output
    with sqlite_db.sessions() as session:
        assert session.scalars(select(Meeting)).all() == []
    listed = runner.invoke(args=["calendars", "list", "--firm", slug])
    assert "ics\tFeed\tenabled, last success never" in listed.output
    assert runner.invoke(args=["calendars", "sync", str(cid)]).exit_code == 0
    with sqlite_db.sessions() as session:
        assert session.scalars(select(Meeting.held_on)).all() == [yesterday]


def test_healthz_shows_connector_health_and_a_failing_one_degrades(
    client: Any, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        firm = f.firm(session)
        ok = add_connector(session, firm.id, kind="ics", name="A", url="https://a.example/x.ics")
        bad = add_connector(session, firm.id, kind="ics", name="B", url="https://b.example/x.ics")
        ok.last_success_at = NOW
        bad.failures, bad.last_error = 2, "HTTP 500"
        bad_id = bad.id
    body = client.get("/healthz").get_json()
    assert body["calendars"] == {
        "connectors": 2,
        "oldest_last_success": NOW.isoformat(),
        "failing": [bad_id],
    }
    assert body["status"] == "degraded"
    assert any(f"calendar connector(s) {bad_id} failing" in r for r in body["reasons"])
