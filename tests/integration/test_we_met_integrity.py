"""'We met' integrity: one meeting per pairing per window, any source; bad dates refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import Meeting, OutboxEvent, Pairing
from surveys.db.session import Database
from surveys.services.meetings import record_meeting, report_meeting
from surveys.services.tokens import met_token
from tests.support import factories as f


def today() -> date:
    """Read when used, never at import: a run that crosses midnight must not fail. The
    app reads ``date.today()`` per request too; the offsets below keep a margin of days
    so a test that runs across midnight still means what it says."""
    return date.today()


@pytest.fixture
def app(sqlite_db: Database, make_settings: Callable[..., Any]) -> Any:
    from webapp import create_app

    settings = make_settings(database_url=sqlite_db.url, secret_key=f.SECRET)
    return create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)


@pytest.fixture
def pairing(sqlite_db: Database) -> dict[str, Any]:
    with sqlite_db.transaction() as session:
        programme = f.programme(session, starts_on=today() - timedelta(days=60))
        found = f.pairing(session, programme)
        return {
            "id": found.id,
            "link": f"/met/{met_token(f.SECRET, found.id, found.mentor_id)}",
            "started_on": found.started_on,
        }


def form_post(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    page = client.get(path)
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data)
    assert match, page.data[:500]
    return client.post(path, data={**data, "csrf_token": match.group(1).decode()})


def meetings(db: Database) -> list[date]:
    with db.sessions() as session:
        return sorted(session.scalars(select(Meeting.held_on)).all())


def events(db: Database) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboxEvent)) or 0


def test_a_report_within_the_window_of_a_staff_meeting_adds_nothing_and_says_so(
    client: FlaskClient, sqlite_db: Database, pairing: dict[str, Any]
) -> None:
    staff_day = today() - timedelta(days=5)
    with sqlite_db.transaction() as session:
        record_meeting(session, pairing["id"], staff_day, "staff")
    before = events(sqlite_db)
    page = form_post(client, pairing["link"], {"held_on": (staff_day + timedelta(days=2))})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"A meeting on {staff_day.day} {staff_day:%B %Y} is already recorded" in html
    assert meetings(sqlite_db) == [staff_day]
    assert events(sqlite_db) == before  # no second meeting.recorded, so no second pulse


def test_the_window_is_three_days_either_side_and_configurable(sqlite_db: Database) -> None:
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session, f.programme(session, starts_on=today() - timedelta(days=60)))
        day = today() - timedelta(days=20)
        first = report_meeting(session, pairing.id, day, "staff")
        assert first.new
        for offset in (-3, -1, 0, 2, 3):
            again = report_meeting(session, pairing.id, day + timedelta(days=offset), "webhook")
            assert (again.new, again.meeting.id) == (False, first.meeting.id)
        later = report_meeting(session, pairing.id, day + timedelta(days=4), "participant")
        earlier = report_meeting(session, pairing.id, day - timedelta(days=4), "api")
        assert later.new and earlier.new
        # With a one-day window, two days apart are two meetings.
        narrow = report_meeting(
            session, pairing.id, day + timedelta(days=10), "staff", window_days=1
        )
        close = report_meeting(session, pairing.id, day + timedelta(days=12), "csv", window_days=1)
        assert narrow.new and close.new
    assert len(meetings(sqlite_db)) == 5


def test_the_window_is_per_pairing(sqlite_db: Database) -> None:
    with sqlite_db.transaction() as session:
        programme = f.programme(session, starts_on=today() - timedelta(days=60))
        one, two = f.pairing(session, programme), f.pairing(session, programme)
        day = today() - timedelta(days=3)
        assert report_meeting(session, one.id, day, "staff").new
        assert report_meeting(session, two.id, day, "staff").new


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (timedelta(days=2), "before it has happened"),
        (timedelta(days=-65), "before this pairing started"),
    ],
)
def test_future_dates_and_dates_before_the_pairing_are_refused_and_nothing_is_written(
    client: FlaskClient,
    sqlite_db: Database,
    pairing: dict[str, Any],
    offset: timedelta,
    message: str,
) -> None:
    before = events(sqlite_db)
    page = form_post(client, pairing["link"], {"held_on": (today() + offset).isoformat()})
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    assert meetings(sqlite_db) == [] and events(sqlite_db) == before


def test_a_foreign_pairings_link_cannot_record(client: FlaskClient, sqlite_db: Database) -> None:
    with sqlite_db.transaction() as session:
        programme = f.programme(session, starts_on=today() - timedelta(days=60))
        mine, theirs = f.pairing(session, programme), f.pairing(session, programme)
        # My own signed identity, but someone else's pairing: refused.
        crossed = f"/met/{met_token(f.SECRET, theirs.id, mine.mentor_id)}"
        own = f"/met/{met_token(f.SECRET, mine.id, mine.mentor_id)}"
    assert client.get(crossed).status_code == 404
    own_page = client.get(own).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', own_page)
    assert token
    posted = client.post(
        crossed, data={"held_on": today().isoformat(), "csrf_token": token.group(1)}
    )
    assert posted.status_code in (400, 404)
    assert meetings(sqlite_db) == []


def test_staff_api_and_webhook_paths_share_the_window(
    sqlite_db: Database, pairing: dict[str, Any]
) -> None:
    from surveys.services.webhooks import Notification, record_notified_meeting

    with sqlite_db.transaction() as session:
        found = session.get(Pairing, pairing["id"])
        assert found is not None
        day = today() - timedelta(days=2)
        record_meeting(session, found.id, day, "participant")
        note = Notification(
            "evt-1", day - timedelta(days=1), [found.mentor.email, found.mentee.email]
        )
        meeting, new = record_notified_meeting(session, found.programme.firm, note)
        assert not new and meeting.held_on == day
    assert meetings(sqlite_db) == [day]
