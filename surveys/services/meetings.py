"""Recording a meeting: the event that starts everything else.

Every path (the participant's "we met" page, staff, the API, the calendar
webhook, the demo) goes through :func:`record_meeting`, so all of them share
one rule: **at most one meeting per pairing within a window** (default ±3
days, any source). A report that falls within the window of a meeting already
recorded returns that meeting instead of creating another one (and another
pair of pulse surveys), which is what kept "we met" from double-counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.models import Meeting, Pairing
from surveys.domain.events import MeetingRecorded
from surveys.domain.vocab import MEETING_SOURCES
from surveys.services.errors import Invalid, NotFound

#: Two reports of one pairing this many days apart (or fewer) are the same meeting.
DEFAULT_WINDOW_DAYS = 3


@dataclass(frozen=True)
class Recorded:
    """The meeting a report resolved to, and whether this report created it."""

    meeting: Meeting
    new: bool


def meeting_near(
    session: Session, pairing_id: int, held_on: date, window_days: int = DEFAULT_WINDOW_DAYS
) -> Meeting | None:
    """The pairing's meeting closest to ``held_on`` within ``±window_days``, if any."""
    window = timedelta(days=window_days)
    found = session.scalars(
        select(Meeting).where(
            Meeting.pairing_id == pairing_id,
            Meeting.held_on >= held_on - window,
            Meeting.held_on <= held_on + window,
        )
    ).all()
    return min(found, key=lambda m: (abs((m.held_on - held_on).days), m.id), default=None)


def check_meeting_date(pairing: Pairing, held_on: date, today: date) -> None:
    """Refuse a date in the future, before the pairing began, or after it ended."""
    if held_on > today:
        raise Invalid("a meeting cannot be recorded before it has happened")
    if held_on < pairing.started_on:
        raise Invalid("the meeting date is before this pairing started")
    if pairing.ended_on is not None and held_on > pairing.ended_on:
        raise Invalid("the meeting date is after this pairing ended")


def report_meeting(
    session: Session,
    pairing_id: int,
    held_on: date,
    source: str,
    *,
    idempotency_key: str | None = None,
    today: date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Recorded:
    """Record that a pairing met on ``held_on`` unless it is already known.

    With an ``idempotency_key`` (webhooks, API clients) a repeated delivery
    returns the meeting already recorded. Otherwise a meeting of the same
    pairing within ``±window_days`` (any source) is returned as it is; only a
    new meeting announces ``meeting.recorded``. The pairing row is locked
    (PostgreSQL) so two simultaneous reports cannot both create one.
    """
    if source not in MEETING_SOURCES:
        raise Invalid(f"unknown meeting source {source!r}")
    if window_days < 0:
        raise Invalid("the meeting window cannot be negative")
    if idempotency_key is not None:
        existing = session.scalar(select(Meeting).where(Meeting.idempotency_key == idempotency_key))
        if existing is not None:
            return Recorded(existing, False)
    pairing = session.get(Pairing, pairing_id, with_for_update=True)
    if pairing is None:
        raise NotFound(f"there is no pairing {pairing_id}")
    check_meeting_date(pairing, held_on, today or date.today())
    near = meeting_near(session, pairing.id, held_on, window_days)
    if near is not None:
        return Recorded(near, False)
    meeting = Meeting(
        pairing_id=pairing.id, held_on=held_on, source=source, idempotency_key=idempotency_key
    )
    session.add(meeting)
    session.flush()
    outbox.add_event(session, MeetingRecorded(meeting_id=meeting.id))
    return Recorded(meeting, True)


def record_meeting(
    session: Session,
    pairing_id: int,
    held_on: date,
    source: str,
    *,
    idempotency_key: str | None = None,
    today: date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Meeting:
    """:func:`report_meeting`, for callers that only need the meeting."""
    return report_meeting(
        session,
        pairing_id,
        held_on,
        source,
        idempotency_key=idempotency_key,
        today=today,
        window_days=window_days,
    ).meeting
