"""The Google Calendar connector against a local server implementing the documented token
exchange (service-account JWT) and events list with sync tokens and 410 Gone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from surveys.calendars.connectors import add_connector, sync_connector
from surveys.db.models import CalendarConnector, Meeting
from surveys.db.session import Database
from tests.support import factories as f
from tests.support.google_server import ACCOUNT, Google, google_event

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def google() -> Iterator[Google]:
    server = Google()
    yield server
    server.close()


def test_google_full_read_then_sync_tokens_then_410_means_read_in_full(
    db: Database, google: Google
) -> None:
    with db.transaction() as session:
        pairing = f.pairing(session, started_on=date(2026, 1, 1))
        connector = add_connector(
            session, pairing.programme.firm_id, kind="google", name="Workspace", url=google.url,
            username=ACCOUNT, secret_env="FLIPSIDE_CAL_GOOGLE",
        )  # fmt: skip
        cid, mentor, mentee = connector.id, pairing.mentor.email, pairing.mentee.email
    env = {"FLIPSIDE_CAL_GOOGLE": google.private_pem}
    pair = [(mentor, "accepted"), (mentee, "accepted")]
    # 23:30 in New York on 4 March is 04:30 UTC on the 5th: the meeting is on the 4th.
    google.calendars[mentor] = [
        google_event("ev1", "2026-03-04T23:30:00-05:00", "2026-03-05T00:30:00-05:00", pair),
        google_event("ev2", "2026-03-06T10:00:00Z", "2026-03-06T11:00:00Z",
                     [(mentor, "accepted"), (mentee, "declined")]),
    ]  # fmt: skip

    def sync() -> list[str]:
        with db.transaction() as session:
            report = sync_connector(session, cid, NOW, env)
            assert report.error is None, report.error
            return sorted(o.action for o in report.outcomes)

    assert sync() == ["recorded", "skipped"]
    with db.sessions() as session:
        assert session.scalars(select(Meeting.held_on)).all() == [date(2026, 3, 4)]
        row = session.get(CalendarConnector, cid)
        assert row is not None and row.sync_state is not None
        token = json.loads(row.sync_state)[mentor]
    assert google.requests[-1].get("pageToken") == "1"  # both pages were read
    # Next read: only the change, by sync token. The event was deleted in Google.
    google.changes[mentor] = [{"kind": "calendar#event", "id": "ev1", "status": "cancelled"}]
    assert sync() == ["withdrawn"]
    assert google.requests[-1]["syncToken"] == token
    with db.sessions() as session:
        assert session.scalars(select(Meeting)).all() == []
    # Nothing changed: nothing happens (an incremental read withdraws nothing it did not see).
    google.calendars[mentor] = [google.calendars[mentor][0]]
    google.changes[mentor] = [google.calendars[mentor][0]]
    assert sync() == ["recorded"]
    assert sync() == []
    with db.sessions() as session:
        assert len(session.scalars(select(Meeting)).all()) == 1
        row = session.get(CalendarConnector, cid)
        assert row is not None and row.sync_state is not None
        google.expired.add(json.loads(row.sync_state)[mentor])
    # The token expired (410 Gone): the calendar is read in full again, and recorded once.
    assert sync() == ["kept"]
    assert "timeMin" in google.requests[-1]


def test_a_key_that_cannot_sign_is_reported(db: Database, google: Google) -> None:
    with db.transaction() as session:
        pairing = f.pairing(session, started_on=date(2026, 1, 1))
        connector = add_connector(
            session, pairing.programme.firm_id, kind="google", name="W", url=google.url,
            username=ACCOUNT, secret_env="FLIPSIDE_CAL_GOOGLE",
        )  # fmt: skip
        report = sync_connector(session, connector.id, NOW, {"FLIPSIDE_CAL_GOOGLE": "not a key"})
    assert report.error == "the service account's private key cannot sign (not a PEM RSA key)"
