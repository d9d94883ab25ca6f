"""The CalDAV connector against a real Radicale server: events written over CalDAV become
meetings, move, are withdrawn; series, time zones, declines; failures and backoff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from surveys.calendars.connectors import add_connector, health, sync_connector
from surveys.db.models import CalendarConnector, Meeting
from surveys.db.session import Database
from tests.support import factories as f
from tests.support.radicale_server import PASSWORD, USER, Radicale, vevent

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ENV = {"FLIPSIDE_CAL_RADICALE": PASSWORD}


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    server = Radicale(Path(tmp_path_factory.mktemp("radicale")))
    yield server
    server.stop()


@pytest.fixture
def world(db: Database, radicale: Radicale, request: pytest.FixtureRequest) -> dict[str, Any]:
    url, calendar = radicale.make_calendar(f"c{abs(hash(request.node.name)) % 10**8}")
    with db.transaction() as session:
        pairing = f.pairing(session, started_on=date(2026, 1, 1))
        connector = add_connector(
            session, pairing.programme.firm_id, kind="caldav", name="Radicale", url=url,
            username=USER, secret_env="FLIPSIDE_CAL_RADICALE",
        )  # fmt: skip
        return {
            "calendar": calendar,
            "connector": connector.id,
            "pairing": pairing.id,
            "mentor": pairing.mentor.email,
            "mentee": pairing.mentee.email,
        }


def sync(db: Database, w: dict[str, Any], now: datetime = NOW, **kw: Any) -> list[str]:
    with db.transaction() as session:
        report = sync_connector(session, w["connector"], now, ENV, **kw)
        assert report.error is None, report.error
        return [o.action for o in report.outcomes]


def met(db: Database) -> list[tuple[date, str]]:
    with db.sessions() as session:
        return [
            (m.held_on, m.source)
            for m in session.scalars(select(Meeting).order_by(Meeting.held_on))
        ]


def pair(w: dict[str, Any], mentee: str = "ACCEPTED") -> list[tuple[str, str]]:
    return [(w["mentor"], "ACCEPTED"), (w["mentee"], mentee)]


def test_an_event_written_over_caldav_is_recorded_moved_and_cancelled(
    db: Database, world: dict[str, Any]
) -> None:
    cal = world["calendar"]
    event = cal.save_event(vevent("one@firm", "20260305T100000", "20260305T110000", pair(world)))
    assert sync(db, world) == ["recorded"]
    assert sync(db, world) == ["kept"]  # read again: nothing new
    assert met(db) == [(date(2026, 3, 5), "caldav")]

    event.data = vevent("one@firm", "20260306T100000", "20260306T110000", pair(world))
    event.save()
    assert sync(db, world) == ["moved"]
    assert met(db) == [(date(2026, 3, 6), "caldav")]

    event.data = vevent(
        "one@firm", "20260306T100000", "20260306T110000", pair(world), extra="STATUS:CANCELLED"
    )
    event.save()
    assert sync(db, world) == ["withdrawn"]
    assert met(db) == []


def test_a_deleted_event_withdraws_its_meeting(db: Database, world: dict[str, Any]) -> None:
    event = world["calendar"].save_event(
        vevent("del@firm", "20260305T100000", "20260305T110000", pair(world))
    )
    sync(db, world)
    event.delete()
    assert sync(db, world) == ["withdrawn"]
    assert met(db) == []


def test_a_decline_or_a_crowd_is_no_meeting_and_an_unended_event_waits(
    db: Database, world: dict[str, Any]
) -> None:
    cal = world["calendar"]
    cal.save_event(
        vevent("dec@firm", "20260303T100000", "20260303T110000", pair(world, "DECLINED"))
    )
    crowd = pair(world) + [(f"colleague{i}@firm.example", "ACCEPTED") for i in range(2)]
    cal.save_event(vevent("crowd@firm", "20260304T100000", "20260304T110000", crowd))
    cal.save_event(vevent("later@firm", "20260310T113000", "20260310T123000", pair(world)))
    assert sorted(sync(db, world)) == ["pending", "skipped", "skipped"]
    assert met(db) == []
    # Once the last one has ended (12:30 London = 12:30 UTC in March), it is recorded.
    assert sorted(sync(db, world, NOW + timedelta(hours=1))) == ["recorded", "skipped", "skipped"]
    assert met(db) == [(date(2026, 3, 10), "caldav")]


def test_each_occurrence_of_a_series_is_a_meeting_on_its_local_date(
    db: Database, world: dict[str, Any]
) -> None:
    series = vevent(
        "weekly@firm", "20260224T193000", "20260224T203000", pair(world),
        tz="America/New_York", extra="RRULE:FREQ=WEEKLY;COUNT=3",
    )  # fmt: skip
    world["calendar"].save_event(series)
    # The third occurrence (10 March, 19:30 in New York) has not happened yet.
    assert sync(db, world) == ["recorded", "recorded", "pending"]
    # 19:30 in New York is 00:30 UTC the next day: the meetings keep New York's dates.
    assert [d for d, _ in met(db)] == [date(2026, 2, 24), date(2026, 3, 3)]
    # New York is on summer time from 8 March: the last one ends at 00:30 UTC, not 01:30.
    assert sync(db, world, datetime(2026, 3, 11, 0, 20, tzinfo=UTC))[-1] == "pending"
    assert sync(db, world, datetime(2026, 3, 11, 0, 40, tzinfo=UTC)) == ["kept", "kept", "recorded"]
    assert [d for d, _ in met(db)][-1] == date(2026, 3, 10)


def test_a_dry_run_lists_without_recording(db: Database, world: dict[str, Any]) -> None:
    world["calendar"].save_event(
        vevent("dry@firm", "20260305T100000", "20260305T110000", pair(world))
    )
    assert sync(db, world, dry_run=True) == ["recorded"]
    assert met(db) == []
    with db.sessions() as session:
        connector = session.get(CalendarConnector, world["connector"])
        assert connector is not None and connector.last_success_at is None


def test_wrong_credentials_fail_back_off_and_show_in_health(
    db: Database, world: dict[str, Any]
) -> None:
    with db.transaction() as session:
        report = sync_connector(
            session, world["connector"], NOW, {"FLIPSIDE_CAL_RADICALE": "wrong"}
        )
        assert report.error == "the CalDAV server refused the credentials"
        assert health(session)["failing"] == [world["connector"]]
        # Backing off: a second try a few seconds later is not even made.
        again = sync_connector(session, world["connector"], NOW + timedelta(seconds=5), ENV)
        assert again.error is not None and "backoff" in again.error
    assert sync(db, world, NOW + timedelta(minutes=2)) == []
    with db.sessions() as session:
        assert health(session)["failing"] == []
        assert health(session)["oldest_last_success"] == (NOW + timedelta(minutes=2)).isoformat()


def test_a_missing_environment_variable_is_a_failure_not_a_crash(
    db: Database, world: dict[str, Any]
) -> None:
    with db.transaction() as session:
        report = sync_connector(session, world["connector"], NOW, {})
    assert report.error == "the environment variable FLIPSIDE_CAL_RADICALE is not set"
