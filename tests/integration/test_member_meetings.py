"""Meetings of a shared programme's pairings, reported by a member firm: its API token
and its signed calendar webhook record a pairing that includes one of its people, and
nothing else of the owning firm's."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import Meeting
from surveys.db.session import Database
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from surveys.services.members import add_member
from surveys.services.webhooks import rotate_webhook_secret
from tests.integration.test_calendar_webhook import SECRET_KEY, deliver
from tests.support import factories as f

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


@pytest.fixture
def shared(sqlite_db: Database) -> dict[str, Any]:
    """Alder's programme with Birch as a member: one Alder-Birch pair, one Alder-only pair."""
    with sqlite_db.transaction() as session:
        alder = f.firm(session, name="Alder LLP", slug="alder")
        birch = f.firm(session, name="Birch & Co", slug="birch")
        programme = f.programme(session, alder, name="Across the Bar")
        add_member(session, programme.id, birch.id)
        mixed = f.pairing(
            session,
            programme,
            mentor=f.person(session, alder, level="associate"),
            mentee=f.person(session, birch, level="partner"),
        )
        alder_only = f.pairing(session, programme)
        lead = create_account(
            session, "lead@birch.example", "correct horse battery", "lead", [birch]
        )
        return {
            "token": create_api_token(session, lead.id, "calendar").secret,
            "mixed": mixed.id,
            "alder_only": alder_only.id,
            "mixed_emails": [mixed.mentor.email, mixed.mentee.email],
            "alder_emails": [alder_only.mentor.email, alder_only.mentee.email],
            "hook": {
                "firm": "birch",
                "secret": rotate_webhook_secret(session, birch.id, SECRET_KEY),
            },
        }


def meetings_of(db: Database, pairing_id: int) -> int:
    with db.sessions() as session:
        found = select(func.count()).select_from(Meeting).where(Meeting.pairing_id == pairing_id)
        return session.scalar(found) or 0


def test_a_member_firms_api_token_records_a_shared_pairings_meeting_only(
    client: FlaskClient, sqlite_db: Database, shared: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {shared['token']}"}
    mine = client.post(
        "/api/v1/meetings",
        headers=headers,
        json={"pairing_id": shared["mixed"], "held_on": YESTERDAY},
    )
    assert mine.status_code == 201, mine.get_json()
    assert meetings_of(sqlite_db, shared["mixed"]) == 1
    theirs = client.post(
        "/api/v1/meetings",
        headers=headers,
        json={"pairing_id": shared["alder_only"], "held_on": YESTERDAY},
    )
    assert theirs.status_code == 404
    assert meetings_of(sqlite_db, shared["alder_only"]) == 0


def test_a_member_firms_calendar_webhook_records_a_shared_pairings_meeting_only(
    client: FlaskClient, sqlite_db: Database, shared: dict[str, Any]
) -> None:
    hook = {**shared["hook"], "attendees": shared["mixed_emails"]}
    response = deliver(client, hook)
    assert response.status_code == 201, response.get_json()
    assert meetings_of(sqlite_db, shared["mixed"]) == 1
    alder_only = deliver(
        client,
        hook,
        {"event_id": "evt-2", "date": YESTERDAY, "attendees": shared["alder_emails"]},
    )
    assert alder_only.status_code == 422
    assert meetings_of(sqlite_db, shared["alder_only"]) == 0
