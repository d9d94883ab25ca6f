"""The calendar webhook: HMAC-signed, a 5-minute replay window, one meeting per calendar event."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import Firm, Meeting, OutboxEvent
from surveys.db.session import Database
from surveys.services.webhooks import BadSignature, rotate_webhook_secret, sign, verify_signature
from tests.support import factories as f

SECRET_KEY = "t" * 40  # the app fixture's SECRET_KEY
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


@pytest.fixture
def hook(sqlite_db: Database) -> dict[str, Any]:
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session)
        firm = pairing.programme.firm
        secret = rotate_webhook_secret(session, firm.id, SECRET_KEY)
        return {
            "firm": firm.slug,
            "secret": secret,
            "attendees": [pairing.mentor.email, pairing.mentee.email.upper(), "room@example.com"],
        }


def deliver(
    client: FlaskClient,
    hook: dict[str, Any],
    payload: Any = None,
    *,
    at: int | None = None,
    secret: str | None = None,
    body: bytes | None = None,
) -> Any:
    if body is None:
        payload = payload or {
            "event_id": "evt-1",
            "date": YESTERDAY,
            "attendees": hook["attendees"],
        }
        body = json.dumps(payload).encode()
    signature = sign(secret or hook["secret"], at if at is not None else int(time.time()), body)
    return client.post(
        "/hooks/meetings",
        data=body,
        content_type="application/json",
        headers={"X-Flipside-Firm": hook["firm"], "X-Flipside-Signature": signature},
    )


def meetings(db: Database) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(Meeting)) or 0


def test_a_signed_notification_records_the_pairings_meeting(
    client: FlaskClient, sqlite_db: Database, hook: dict[str, Any]
) -> None:
    response = deliver(client, hook)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["duplicate"] is False
    with sqlite_db.sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        assert (meeting.source, meeting.held_on.isoformat()) == ("webhook", YESTERDAY)
        assert session.scalars(select(OutboxEvent.topic)).all() == ["meeting.recorded"]


def test_the_same_event_delivered_twice_records_one_meeting(
    client: FlaskClient, sqlite_db: Database, hook: dict[str, Any]
) -> None:
    first = deliver(client, hook)
    again = deliver(client, hook)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == {"meeting_id": first.get_json()["meeting_id"], "duplicate": True}
    assert meetings(sqlite_db) == 1


@pytest.mark.parametrize("age", [301, -301, 3600])
def test_a_request_outside_the_five_minute_window_gets_401(
    client: FlaskClient, sqlite_db: Database, hook: dict[str, Any], age: int
) -> None:
    response = deliver(client, hook, at=int(time.time()) - age)
    assert response.status_code == 401
    assert "5-minute window" in response.get_json()["error"]["message"]
    assert meetings(sqlite_db) == 0


def test_a_badly_signed_or_tampered_request_gets_401_and_records_nothing(
    client: FlaskClient, sqlite_db: Database, hook: dict[str, Any]
) -> None:
    assert deliver(client, hook, secret="whsec_guess").status_code == 401
    body = json.dumps({"event_id": "e", "date": YESTERDAY, "attendees": hook["attendees"]})
    now = int(time.time())
    tampered = client.post(
        "/hooks/meetings",
        data=body.replace('"e"', '"f"'),
        content_type="application/json",
        headers={
            "X-Flipside-Firm": hook["firm"],
            "X-Flipside-Signature": sign(hook["secret"], now, body.encode()),
        },
    )
    assert tampered.status_code == 401
    unsigned = client.post("/hooks/meetings", data=body, content_type="application/json")
    assert unsigned.status_code == 401
    assert meetings(sqlite_db) == 0


def test_both_secrets_work_inside_the_overlap_after_a_rotation(
    client: FlaskClient, sqlite_db: Database, hook: dict[str, Any]
) -> None:
    """Issue 17: replacing the secret does not break the calendar bridge at once."""
    with sqlite_db.transaction() as session:
        firm = session.scalars(select(Firm).where(Firm.slug == hook["firm"])).one()
        new_secret = rotate_webhook_secret(session, firm.id, SECRET_KEY)
    assert deliver(client, hook).status_code == 201
    # The same event again, signed with the new secret: accepted, recorded once.
    assert deliver(client, hook, secret=new_secret).status_code == 200
    assert deliver(client, hook, secret="whsec_" + "0" * 64).status_code == 401


def test_only_the_new_secret_works_after_the_overlap(
    client: FlaskClient, sqlite_db: Database, hook: dict[str, Any]
) -> None:
    with sqlite_db.transaction() as session:
        firm = session.scalars(select(Firm).where(Firm.slug == hook["firm"])).one()
        rotated = datetime.now(UTC) - timedelta(hours=24, minutes=1)
        new_secret = rotate_webhook_secret(session, firm.id, SECRET_KEY, now=rotated)
    assert deliver(client, hook).status_code == 401
    assert deliver(client, hook, secret=new_secret).status_code == 201


def test_the_overlap_is_configurable(sqlite_db: Database, hook: dict[str, Any]) -> None:
    body, now = b"{}", int(time.time())
    with sqlite_db.transaction() as session:
        firm = session.scalars(select(Firm).where(Firm.slug == hook["firm"])).one()
        rotate_webhook_secret(session, firm.id, SECRET_KEY)
        old = sign(hook["secret"], now, body)
        for hours, accepted in ((1, True), (0, False)):
            try:
                verify_signature(
                    session, hook["firm"], old, body, now, SECRET_KEY, overlap_hours=hours
                )
            except BadSignature:
                assert not accepted
            else:
                assert accepted


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"event_id": "", "date": YESTERDAY, "attendees": ["a@x.com", "b@x.com"]}, 422, "event_id"),
        ({"event_id": "e", "date": "soon", "attendees": ["a@x.com", "b@x.com"]}, 422, "date"),
        ({"event_id": "e", "date": YESTERDAY, "attendees": "a@x.com"}, 422, "attendees"),
        (
            {"event_id": "e", "date": YESTERDAY, "attendees": ["a@x.com", "b@x.com"]},
            422,
            "no active pairing",
        ),
        (["not", "an", "object"], 422, "JSON object"),
    ],
)
def test_a_signed_but_unusable_notification_is_a_clear_4xx(
    client: FlaskClient,
    sqlite_db: Database,
    hook: dict[str, Any],
    payload: Any,
    status: int,
    message: str,
) -> None:
    response = deliver(client, hook, payload)
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]
    assert meetings(sqlite_db) == 0


def test_a_signed_body_that_is_not_json_is_400(
    client: FlaskClient, sqlite_db: Database, hook: dict[str, Any]
) -> None:
    response = deliver(client, hook, body=b"\xff{not json")
    assert response.status_code == 400
    assert meetings(sqlite_db) == 0
