"""The signed calendar webhook: per-firm secrets, signature checks, meeting notifications.

A firm's webhook secret is HMAC(key derived from SECRET_KEY, firm.webhook_salt),
so it is shown once on rotation and the database alone cannot sign a request.
A request carries ``X-Flipside-Signature: t=<unix seconds>,v1=<hex>`` where
``v1`` is HMAC-SHA256(secret, f"{t}.{raw body}"); it is accepted only within
REPLAY_WINDOW of the server's clock.

Replacing the secret keeps the old salt and the time of the rotation: for the
overlap period (FLIPSIDE_WEBHOOK_SECRET_OVERLAP_HOURS, 24 h by default) a
request signed with either secret is accepted, so the calendar bridge can be
moved to the new secret without losing meetings; after it only the new one is.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from surveys.db.models import Firm, Meeting, Pairing, Person, Programme
from surveys.services.errors import Invalid, NotFound, ServiceError
from surveys.services.meetings import DEFAULT_WINDOW_DAYS, report_meeting

REPLAY_WINDOW_SECONDS = 300
#: How long the replaced secret still works after a rotation, unless told otherwise.
DEFAULT_OVERLAP_HOURS = 24
_CONTEXT = b"flipside/calendar-webhook/v1"


class BadSignature(ServiceError):
    """Missing, malformed, stale or wrong signature: the request is not trusted at all."""

    status = 401


def webhook_secret(secret_key: str, salt: str) -> str:
    key = hmac.new(secret_key.encode(), _CONTEXT, hashlib.sha256).digest()
    return "whsec_" + hmac.new(key, bytes.fromhex(salt), hashlib.sha256).hexdigest()


def rotate_webhook_secret(
    session: Session, firm_id: int, secret_key: str, now: datetime | None = None
) -> str:
    """Give the firm a new webhook secret; return it to show once.

    The old secret keeps working for the overlap period after ``now`` (see the module).
    """
    firm = session.get(Firm, firm_id)
    if firm is None:
        raise NotFound(f"there is no firm {firm_id}")
    firm.webhook_previous_salt = firm.webhook_salt
    firm.webhook_rotated_at = now or datetime.now(UTC)
    firm.webhook_salt = secrets.token_hex(16)
    session.flush()
    return webhook_secret(secret_key, firm.webhook_salt)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (for clients and tests)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    session: Session,
    firm_slug: str,
    header: str,
    body: bytes,
    now: int,
    secret_key: str,
    *,
    overlap_hours: int = DEFAULT_OVERLAP_HOURS,
) -> Firm:
    """The firm whose secret signed ``body``; BadSignature (401) otherwise.

    Within ``overlap_hours`` of the last rotation the previous secret is accepted too."""
    firm = session.scalar(select(Firm).where(Firm.slug == firm_slug))
    if firm is None or firm.webhook_salt is None:
        raise BadSignature("unknown firm or no webhook secret configured for it")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise BadSignature("the signature header must look like t=<unix time>,v1=<hex>") from None
    if abs(now - timestamp) > REPLAY_WINDOW_SECONDS:
        raise BadSignature("the signature timestamp is outside the 5-minute window")
    signed = f"t={timestamp},v1={given}".encode()
    matches = [
        hmac.compare_digest(
            sign(webhook_secret(secret_key, salt), timestamp, body).encode(), signed
        )
        for salt in _accepted_salts(firm, now, overlap_hours)
    ]
    if not any(matches):
        raise BadSignature("the signature does not match the body")
    return firm


def _accepted_salts(firm: Firm, now: int, overlap_hours: int) -> list[str]:
    """The current salt, and the previous one while the overlap after a rotation lasts."""
    assert firm.webhook_salt is not None
    salts = [firm.webhook_salt]
    rotated = firm.webhook_rotated_at
    if (
        firm.webhook_previous_salt is not None
        and rotated is not None
        and overlap_hours > 0
        and now < rotated.timestamp() + overlap_hours * 3600
    ):
        salts.append(firm.webhook_previous_salt)
    return salts


@dataclass(frozen=True)
class Notification:
    event_id: str
    held_on: date
    attendees: list[str]


def parse_notification(payload: Any) -> Notification:
    """``{"event_id": str, "date": "YYYY-MM-DD", "attendees": [e-mail, ...]}``."""
    if not isinstance(payload, dict):
        raise Invalid("the body must be a JSON object")
    event_id = payload.get("event_id")
    if not isinstance(event_id, str) or not 1 <= len(event_id.strip()) <= 150:
        raise Invalid("event_id must be a string of 1 to 150 characters")
    raw_date = payload.get("date")
    try:
        held_on = date.fromisoformat(raw_date) if isinstance(raw_date, str) else None
    except ValueError:
        held_on = None
    if held_on is None:
        raise Invalid("date must be a date (YYYY-MM-DD)")
    attendees = payload.get("attendees")
    if (
        not isinstance(attendees, list)
        or not 2 <= len(attendees) <= 50
        or not all(isinstance(a, str) and len(a) <= 254 for a in attendees)
    ):
        raise Invalid("attendees must be a list of 2 to 50 e-mail addresses")
    return Notification(event_id.strip(), held_on, [a.strip().lower() for a in attendees])


def record_notified_meeting(
    session: Session,
    firm: Firm,
    note: Notification,
    today: date | None = None,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> tuple[Meeting, bool]:
    """Record the meeting of the firm's active pairing among the attendees.

    Returns the meeting and whether it is new; the same event delivered again
    returns the meeting recorded the first time, and a meeting of the pairing
    already recorded within ``±window_days`` (by anyone) is returned as it is.
    """
    key = f"webhook:{firm.id}:{note.event_id}"
    existing = session.scalar(select(Meeting).where(Meeting.idempotency_key == key))
    if existing is not None:
        return existing, False
    mentor, mentee = aliased(Person), aliased(Person)
    pairings = session.scalars(
        select(Pairing)
        .join(Programme, Programme.id == Pairing.programme_id)
        .join(mentor, mentor.id == Pairing.mentor_id)
        .join(mentee, mentee.id == Pairing.mentee_id)
        .where(
            # The firm's own programmes, and shared ones where one of the pair is its person
            # (only a member firm's people are ever enrolled: surveys/services/members.py).
            or_(Programme.firm_id == firm.id, mentor.firm_id == firm.id, mentee.firm_id == firm.id),
            Programme.status != "closed",
            Pairing.ended_on.is_(None),
            func.lower(mentor.email).in_(note.attendees),
            func.lower(mentee.email).in_(note.attendees),
        )
    ).all()
    if not pairings:
        raise Invalid("no active pairing of this firm has both a mentor and mentee among attendees")
    if len(pairings) > 1:
        raise Invalid("the attendees make up more than one pairing; send one meeting per pairing")
    reported = report_meeting(
        session,
        pairings[0].id,
        note.held_on,
        "webhook",
        idempotency_key=key,
        today=today,
        window_days=window_days,
    )
    return reported.meeting, reported.new
