"""Attack: read a calendar's private content back out of Flipside's database or logs.

A sync reads whole events (subject, description, location, every attendee, the UID)
from a real Radicale server. Afterwards every column of every table, and every log
record at DEBUG from every logger, is searched for them: only the pairing, the date
and the source may be kept.
"""

from __future__ import annotations

import base64
import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from surveys.calendars.connectors import add_connector, sync_connector
from surveys.db.base import Base
from surveys.db.models import Meeting
from surveys.db.session import Database
from tests.support import factories as f
from tests.support.radicale_server import PASSWORD, USER, Radicale, vevent

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PRIVATE = {
    "subject": "Zebra-salary-negotiation",
    "body": "Quokka-body-text about a grievance",
    "location": "Narwhal-meeting-room-77",
    "outsider": "outsider-axolotl@elsewhere.example",
    "uid": "uid-pangolin-1234",
    "password": PASSWORD,
    "basic credentials": base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
}


def everything_stored(db: Database) -> str:
    parts = []
    with db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).all():
                parts.append(" ".join(str(value) for value in row))
    return "\n".join(parts).lower()


@pytest.fixture
def radicale(tmp_path: Path) -> object:
    server = Radicale(tmp_path)
    yield server
    server.stop()


def test_no_subject_body_location_outsider_uid_or_secret_is_stored_or_logged(
    db: Database, radicale: Radicale, caplog: pytest.LogCaptureFixture
) -> None:
    url, calendar = radicale.make_calendar("private")
    with db.transaction() as session:
        pairing = f.pairing(session, started_on=date(2026, 1, 1))
        connector = add_connector(
            session, pairing.programme.firm_id, kind="caldav", name="Firm calendar", url=url,
            username=USER, secret_env="FLIPSIDE_CAL_SECRET",
        )  # fmt: skip
        people = [(pairing.mentor.email, "ACCEPTED"), (pairing.mentee.email, "ACCEPTED")]
        connector_id, pairing_id = connector.id, pairing.id
    extra = (
        f"SUMMARY:{PRIVATE['subject']}\nDESCRIPTION:{PRIVATE['body']}\n"
        f"LOCATION:{PRIVATE['location']}\nORGANIZER:mailto:{people[0][0]}"
    )
    calendar.save_event(  # type: ignore[attr-defined]
        vevent(
            PRIVATE["uid"], "20260305T100000", "20260305T110000",
            [*people, (PRIVATE["outsider"], "ACCEPTED")], extra=extra,
        )
    )  # fmt: skip
    caplog.set_level(logging.DEBUG)
    with db.transaction() as session:
        report = sync_connector(session, connector_id, NOW, {"FLIPSIDE_CAL_SECRET": PASSWORD})
        assert [o.action for o in report.outcomes] == ["recorded"]
        # A dry run and a failing run log nothing private either.
        sync_connector(session, connector_id, NOW, {"FLIPSIDE_CAL_SECRET": PASSWORD}, dry_run=True)
    with db.sessions() as session:
        [meeting] = session.scalars(select(Meeting)).all()
        assert (meeting.pairing_id, meeting.held_on, meeting.source) == (
            pairing_id, date(2026, 3, 5), "caldav",
        )  # fmt: skip
    stored = everything_stored(db)
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records).lower()
    assert caplog.records, "the sync logs what it recorded (so the log check is not vacuous)"
    for what, text in PRIVATE.items():
        assert text.lower() not in stored, f"the {what} is in the database"
        assert text.lower() not in logged, f"the {what} is in the logs"
