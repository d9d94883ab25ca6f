"""Calendar events become meetings through the meeting service, once, and can be undone
only until an invitation has gone out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.calendars.events import Attendee, CalendarEvent
from surveys.calendars.recording import apply_events
from surveys.db.models import Meeting, OutboxEvent, Pairing, SurveyInvitation
from surveys.db.session import Database
from surveys.services.invitations.issue import issue_pulse_invitations
from surveys.services.meetings import record_meeting
from tests.support import factories as f

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
WINDOW = (date(2026, 2, 20), date(2026, 3, 10))


def ev(pairing: Pairing, day: date, *, key: str = "uid-1", **kw: object) -> CalendarEvent:
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    values: dict[str, object] = {
        "key": key,
        "start": start,
        "end": start + timedelta(hours=1),
        "held_on": day,
        "cancelled": False,
        "attendees": (Attendee(pairing.mentor.email.upper()), Attendee(pairing.mentee.email)),
        **kw,
    }
    values["attendees"] = tuple(
        Attendee(a.email.lower(), a.declined)
        for a in values["attendees"]  # type: ignore[attr-defined]
    )
    return CalendarEvent(**values)  # type: ignore[arg-type]


def sync(
    session: Session, pairing: Pairing, *events: CalendarEvent, dry_run: bool = False
) -> list[str]:
    outcomes = apply_events(
        session,
        connector_id=1,
        firm_id=pairing.programme.firm_id,
        source="caldav",
        events=events,
        now=NOW,
        window=WINDOW,
        dry_run=dry_run,
    )
    return [o.action for o in outcomes]


def meetings(session: Session) -> list[tuple[date, str]]:
    return [(m.held_on, m.source) for m in session.scalars(select(Meeting).order_by(Meeting.id))]


@pytest.fixture
def pairing(db: Database) -> Pairing:
    with db.sessions() as session:
        row = f.pairing(session, started_on=date(2026, 1, 1))
        session.commit()
        return row


def test_an_ended_event_is_recorded_once_however_often_it_is_read(
    db: Database, pairing: Pairing
) -> None:
    with db.transaction() as session:
        p = session.get(Pairing, pairing.id)
        assert p is not None
        assert sync(session, p, ev(p, date(2026, 3, 5))) == ["recorded"]
        assert sync(session, p, ev(p, date(2026, 3, 5))) == ["kept"]
        assert meetings(session) == [(date(2026, 3, 5), "caldav")]
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 1


def test_a_meeting_reported_by_hand_in_the_window_is_not_recorded_again(
    db: Database, pairing: Pairing
) -> None:
    with db.transaction() as session:
        p = session.get(Pairing, pairing.id)
        assert p is not None
        record_meeting(session, p.id, date(2026, 3, 4), "participant", today=NOW.date())
        assert sync(session, p, ev(p, date(2026, 3, 5))) == ["already_recorded"]
        assert meetings(session) == [(date(2026, 3, 4), "participant")]


def test_moves_and_cancellations_change_the_meeting_until_an_invitation_is_sent(
    db: Database, pairing: Pairing
) -> None:
    with db.transaction() as session:
        p = session.get(Pairing, pairing.id)
        assert p is not None
        sync(session, p, ev(p, date(2026, 3, 2)))
        assert sync(session, p, ev(p, date(2026, 3, 6))) == ["moved"]
        assert meetings(session) == [(date(2026, 3, 6), "caldav")]
        assert sync(session, p, ev(p, date(2026, 3, 6), cancelled=True)) == ["withdrawn"]
        assert meetings(session) == []
        # Recorded again, then the invitations go out: now nothing changes it.
        assert sync(session, p, ev(p, date(2026, 3, 6))) == ["recorded"]
        [meeting] = session.scalars(select(Meeting)).all()
        for invitation in issue_pulse_invitations(session, meeting.id, "t" * 40, 14):
            invitation.sent_at = NOW
        session.flush()
        assert sync(session, p, ev(p, date(2026, 3, 8))) == ["kept"]
        assert sync(session, p, ev(p, date(2026, 3, 6), cancelled=True)) == ["kept"]
        assert sync(session, p) == ["kept"]  # deleted from the calendar
        assert meetings(session) == [(date(2026, 3, 6), "caldav")]


def test_unsent_invitations_go_with_a_withdrawn_meeting(db: Database, pairing: Pairing) -> None:
    with db.transaction() as session:
        p = session.get(Pairing, pairing.id)
        assert p is not None
        sync(session, p, ev(p, date(2026, 3, 6)))
        [meeting] = session.scalars(select(Meeting)).all()
        assert issue_pulse_invitations(session, meeting.id, "t" * 40, 14)
        assert sync(session, p) == ["withdrawn"]
        assert session.scalar(select(func.count()).select_from(SurveyInvitation)) == 0


def test_a_decline_by_either_person_withdraws_and_a_future_move_withdraws(
    db: Database, pairing: Pairing
) -> None:
    with db.transaction() as session:
        p = session.get(Pairing, pairing.id)
        assert p is not None
        sync(session, p, ev(p, date(2026, 3, 6)))
        declined = (Attendee(p.mentor.email.lower()), Attendee(p.mentee.email.lower(), True))
        assert sync(session, p, ev(p, date(2026, 3, 6), attendees=declined)) == ["withdrawn"]
        sync(session, p, ev(p, date(2026, 3, 6)))
        assert sync(session, p, ev(p, date(2026, 3, 12))) == ["withdrawn"]
        assert meetings(session) == []


def test_each_occurrence_outside_the_window_of_another_is_its_own_meeting(
    db: Database, pairing: Pairing
) -> None:
    with db.transaction() as session:
        p = session.get(Pairing, pairing.id)
        assert p is not None
        weekly = [ev(p, date(2026, 2, 23) + timedelta(weeks=w), key=f"s|{w}") for w in range(3)]
        assert sync(session, p, *weekly) == ["recorded"] * 3
        assert len(meetings(session)) == 3


def test_a_dry_run_lists_what_would_happen_and_writes_nothing(
    db: Database, pairing: Pairing
) -> None:
    with db.transaction() as session:
        p = session.get(Pairing, pairing.id)
        assert p is not None
        assert sync(session, p, ev(p, date(2026, 3, 5)), dry_run=True) == ["recorded"]
        assert meetings(session) == []
        sync(session, p, ev(p, date(2026, 3, 5)))
        assert sync(session, p, dry_run=True) == ["withdrawn"]
        assert sync(session, p, ev(p, date(2026, 3, 5), cancelled=True), dry_run=True) == [
            "withdrawn"
        ]
        assert meetings(session) == [(date(2026, 3, 5), "caldav")]
