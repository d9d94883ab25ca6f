"""Applying the meeting rule's decisions through the meeting service.

Each occurrence of an event is keyed per connector and pairing by an opaque hash
(``cal:<connector>:<sha256 of UID and occurrence>:<pairing>``), used as the
meeting's idempotency key: a redelivered or re-read event changes nothing. A
meeting is recorded through :func:`surveys.services.meetings.report_meeting`, so
the "we met" window applies whatever the source. Until one of its invitations
has been sent (or answered), a moved event moves the meeting and a cancelled,
declined, deleted or re-attended event withdraws it; after that nothing changes.

Only the connector id, pairing id, date and action are logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, aliased

from surveys.calendars.events import CalendarEvent
from surveys.calendars.matching import Decision, PairingRef, decide
from surveys.db.models import Meeting, Pairing, Person, Programme, SurveyInvitation
from surveys.services.errors import Invalid
from surveys.services.meetings import check_meeting_date, meeting_near, report_meeting

log = logging.getLogger("flipside.calendars")

#: What applying one decision did (or, in a dry run, would do).
ACTIONS = ("recorded", "already_recorded", "moved", "withdrawn", "kept", "skipped", "pending")


@dataclass(frozen=True)
class Outcome:
    pairing_id: int
    held_on: date
    action: str
    reason: str | None = None


def active_pairings(session: Session, firm_id: int) -> list[PairingRef]:
    """The firm's pairings that are not over, as the matcher sees them."""
    mentor, mentee = aliased(Person), aliased(Person)
    rows = session.execute(
        select(Pairing, mentor.email, mentee.email, Programme.calendar_max_others)
        .join(Programme, Programme.id == Pairing.programme_id)
        .join(mentor, mentor.id == Pairing.mentor_id)
        .join(mentee, mentee.id == Pairing.mentee_id)
        .where(
            or_(Programme.firm_id == firm_id, mentor.firm_id == firm_id, mentee.firm_id == firm_id),
            Programme.status != "closed",
        )
        .order_by(Pairing.id)
    ).all()
    return [
        PairingRef(p.id, a.lower(), b.lower(), others, p.started_on, p.ended_on)
        for p, a, b, others in rows
    ]


def key_prefix(connector_id: int) -> str:
    return f"cal:{connector_id}:"


def occurrence_key(connector_id: int, event: CalendarEvent, pairing_id: int) -> str:
    return f"{key_prefix(connector_id)}{event.occurrence_hash()}:{pairing_id}"


def is_settled(session: Session, meeting_id: int) -> bool:
    """True once an invitation for the meeting has gone out or been answered."""
    return (
        session.scalar(
            select(SurveyInvitation.id)
            .where(
                SurveyInvitation.meeting_id == meeting_id,
                or_(SurveyInvitation.sent_at.is_not(None), SurveyInvitation.responded),
            )
            .limit(1)
        )
        is not None
    )


def _withdraw(session: Session, meeting: Meeting) -> None:
    session.execute(delete(SurveyInvitation).where(SurveyInvitation.meeting_id == meeting.id))
    session.delete(meeting)
    session.flush()


def _dry_record(session: Session, decision: Decision, today: date) -> Outcome:
    """What :func:`report_meeting` would do, without doing it."""
    pairing = session.get(Pairing, decision.pairing_id)
    assert pairing is not None
    near = meeting_near(session, pairing.id, decision.held_on)
    if near is not None:
        return Outcome(pairing.id, near.held_on, "already_recorded")
    try:
        check_meeting_date(pairing, decision.held_on, today)
    except Invalid:
        return Outcome(pairing.id, decision.held_on, "skipped", "invalid_date")
    return Outcome(pairing.id, decision.held_on, "recorded")


def _apply_one(
    session: Session, key: str, decision: Decision, source: str, today: date, dry_run: bool
) -> Outcome:
    existing = session.scalar(select(Meeting).where(Meeting.idempotency_key == key))
    if not decision.meeting:
        if existing is None:
            action = "pending" if decision.reason == "not_ended" else "skipped"
            return Outcome(decision.pairing_id, decision.held_on, action, decision.reason)
        if is_settled(session, existing.id):
            return Outcome(decision.pairing_id, existing.held_on, "kept", decision.reason)
        if not dry_run:
            _withdraw(session, existing)
        return Outcome(decision.pairing_id, decision.held_on, "withdrawn", decision.reason)
    if existing is None and dry_run:
        return _dry_record(session, decision, today)
    if existing is None:
        try:
            reported = report_meeting(
                session, decision.pairing_id, decision.held_on, source,
                idempotency_key=key, today=today,
            )  # fmt: skip
        except Invalid:
            return Outcome(decision.pairing_id, decision.held_on, "skipped", "invalid_date")
        action = "recorded" if reported.new else "already_recorded"
        return Outcome(decision.pairing_id, reported.meeting.held_on, action)
    if existing.held_on == decision.held_on or is_settled(session, existing.id):
        return Outcome(decision.pairing_id, existing.held_on, "kept")
    other = meeting_near(session, decision.pairing_id, decision.held_on)
    if other is not None and other.id != existing.id:
        if not dry_run:  # the new date belongs to a meeting already recorded
            _withdraw(session, existing)
        return Outcome(decision.pairing_id, other.held_on, "withdrawn", "merged")
    if not dry_run:
        existing.held_on = decision.held_on
        session.flush()
    return Outcome(decision.pairing_id, decision.held_on, "moved")


def apply_events(
    session: Session,
    *,
    connector_id: int,
    firm_id: int,
    source: str,
    events: Iterable[CalendarEvent],
    now: datetime,
    window: tuple[date, date],
    dry_run: bool = False,
    complete: bool = True,
) -> list[Outcome]:
    """Record, move and withdraw the connector's meetings from a full read of ``window``.

    Meetings this connector recorded in the window whose event was not seen again
    (deleted, moved out of the window, or no longer between the pair) are withdrawn
    unless settled; only after a ``complete`` read (an incremental one, such as a Google
    sync-token read, reports deletions as cancelled events instead). A cancelled event
    withdraws its meetings even when it no longer lists attendees. With ``dry_run``
    nothing is written: the outcomes say what would be.
    """
    pairings = active_pairings(session, firm_id)
    events = list(events)
    outcomes: list[Outcome] = []
    seen: set[str] = set()
    for event in events:
        for decision in decide(event, pairings, now):
            key = occurrence_key(connector_id, event, decision.pairing_id)
            seen.add(key)
            outcomes.append(_apply_one(session, key, decision, source, now.date(), dry_run))
    cancelled = [f"{key_prefix(connector_id)}{e.occurrence_hash()}:" for e in events if e.cancelled]
    stale = session.scalars(
        select(Meeting).where(
            Meeting.idempotency_key.startswith(key_prefix(connector_id), autoescape=True),
            Meeting.held_on >= window[0],
            Meeting.held_on <= window[1],
        )
    ).all()
    if not complete:
        stale = [m for m in stale if any(str(m.idempotency_key).startswith(c) for c in cancelled)]
    for meeting in stale:
        if meeting.idempotency_key in seen:
            continue
        if is_settled(session, meeting.id):
            outcomes.append(Outcome(meeting.pairing_id, meeting.held_on, "kept", "gone"))
            continue
        outcomes.append(Outcome(meeting.pairing_id, meeting.held_on, "withdrawn", "gone"))
        if not dry_run:
            _withdraw(session, meeting)
    for outcome in [] if dry_run else outcomes:
        if outcome.action not in ("pending", "skipped", "kept"):
            log.info(
                "calendar connector %s: pairing %s, %s, %s (%s)",
                connector_id, outcome.pairing_id, outcome.held_on.isoformat(),
                outcome.action, source,
            )  # fmt: skip
    return outcomes
