"""Recording a meeting: the event that starts everything else."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.models import Meeting, Pairing
from surveys.domain.events import MeetingRecorded
from surveys.domain.vocab import MEETING_SOURCES
from surveys.services.errors import Invalid, NotFound


def record_meeting(
    session: Session,
    pairing_id: int,
    held_on: date,
    source: str,
    *,
    idempotency_key: str | None = None,
    today: date | None = None,
) -> Meeting:
    """Record that a pairing met on ``held_on`` and announce ``meeting.recorded``.

    With an ``idempotency_key`` (webhooks, API clients) a repeated delivery
    returns the meeting already recorded instead of a second one.
    """
    if source not in MEETING_SOURCES:
        raise Invalid(f"unknown meeting source {source!r}")
    if idempotency_key is not None:
        existing = session.scalar(select(Meeting).where(Meeting.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    pairing = session.get(Pairing, pairing_id)
    if pairing is None:
        raise NotFound(f"there is no pairing {pairing_id}")
    today = today or date.today()
    if held_on > today:
        raise Invalid("a meeting cannot be recorded before it has happened")
    if held_on < pairing.started_on:
        raise Invalid("the meeting date is before this pairing started")
    if pairing.ended_on is not None and held_on > pairing.ended_on:
        raise Invalid("the meeting date is after this pairing ended")
    meeting = Meeting(
        pairing_id=pairing.id, held_on=held_on, source=source, idempotency_key=idempotency_key
    )
    session.add(meeting)
    session.flush()
    outbox.add_event(session, MeetingRecorded(meeting_id=meeting.id))
    return meeting
