"""What counts as a meeting: the pure rule, one event against the firm's pairings.

An event is a meeting of a pairing when its attendees include both people of the
pairing and at most ``max_others`` other people (the programme's rule), it is not
cancelled, neither of the two declined, and it has ended. Nothing here touches the
database, so every case is a unit test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from surveys.calendars.events import CalendarEvent

#: Why an event that involves a pairing is not (or not yet) a meeting.
REASONS = ("cancelled", "declined", "too_many_others", "not_ended", "outside_pairing")


@dataclass(frozen=True)
class PairingRef:
    """An active pairing as the matcher sees it: e-mails lower-cased."""

    pairing_id: int
    mentor_email: str
    mentee_email: str
    max_others: int
    started_on: date
    ended_on: date | None = None


@dataclass(frozen=True)
class Decision:
    """For one pairing among an event's attendees: a meeting on ``held_on``, or why not."""

    pairing_id: int
    held_on: date
    meeting: bool
    reason: str | None = None


def decide(event: CalendarEvent, pairings: list[PairingRef], now: datetime) -> list[Decision]:
    """One decision per pairing with both people among the attendees (none if no pairing)."""
    replies = {a.email: a.declined for a in event.attendees}
    decisions = []
    for ref in pairings:
        if ref.mentor_email not in replies or ref.mentee_email not in replies:
            continue
        others = len(replies) - 2
        reason = None
        if event.cancelled:
            reason = "cancelled"
        elif replies[ref.mentor_email] or replies[ref.mentee_email]:
            reason = "declined"
        elif others > ref.max_others:
            reason = "too_many_others"
        elif event.end > now:
            reason = "not_ended"
        elif event.held_on < ref.started_on or (
            ref.ended_on is not None and event.held_on > ref.ended_on
        ):
            reason = "outside_pairing"
        decisions.append(Decision(ref.pairing_id, event.held_on, reason is None, reason))
    return decisions
