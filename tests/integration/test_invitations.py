"""Issuing invitations, climate rounds and reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from surveys.db.models import Enrolment, OutboxEvent, SurveyInvitation
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.services.errors import Conflict, Invalid
from surveys.services.invitations import (
    claim_reminder,
    due_reminders,
    issue_pulse_invitations,
    launch_round,
)
from tests.support import factories as f


def test_a_recorded_meeting_invites_each_participant_to_their_roles_pulse(db: Database) -> None:
    with db.transaction() as session:
        pairing = f.pairing(session)
        meeting = f.meeting(session, pairing)
        invitations = issue_pulse_invitations(session, meeting.id, f.SECRET, ttl_days=14)
        surveys = {i.person_id: i.survey_key for i in invitations}
        assert surveys == {pairing.mentor_id: "mentor_pulse", pairing.mentee_id: "mentee_pulse"}
        assert all(
            timedelta(days=13) < i.expires_at - utcnow() <= timedelta(days=14) for i in invitations
        )
        again = issue_pulse_invitations(session, meeting.id, f.SECRET, ttl_days=14)
        assert {i.id for i in again} == {i.id for i in invitations}
        events = session.scalars(select(OutboxEvent.topic)).all()
        assert events.count("invitation.issued") == 2


def test_only_the_hash_of_a_link_is_stored(db: Database) -> None:
    with db.transaction() as session:
        pairing = f.pairing(session)
        meeting = f.meeting(session, pairing)
        invitation = issue_pulse_invitations(session, meeting.id, f.SECRET, 14)[0]
        token = f.token_of(invitation)
        stored = [str(v) for v in vars(invitation).values()]
        assert token not in stored
        assert not any(token in str(v) for v in stored)


def test_a_climate_round_invites_everyone_in_scope_including_the_comparison_group(
    db: Database,
) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        f.pairing(session, programme)
        for left_on in (None, date(2026, 1, 10)):
            person = f.person(session, programme.firm, left_on=left_on)
            session.add(
                Enrolment(
                    programme_id=programme.id,
                    person_id=person.id,
                    role="comparison",
                    enrolled_on=programme.starts_on,
                )
            )
        session.flush()
        round_, invited = launch_round(
            session, programme.id, "baseline", date(2026, 3, 1), f.SECRET, today=date(2026, 2, 1)
        )
        assert invited == 3  # mentor, mentee, the comparison person who has not left
        count = session.scalar(select(func.count()).where(SurveyInvitation.round_id == round_.id))
        assert count == 3
        with pytest.raises(Conflict):
            launch_round(
                session,
                programme.id,
                "baseline",
                date(2026, 3, 1),
                f.SECRET,
                today=date(2026, 2, 1),
            )
        with pytest.raises(Invalid):
            launch_round(
                session,
                programme.id,
                "follow-up",
                date(2026, 1, 1),
                f.SECRET,
                today=date(2026, 2, 1),
            )


def _sent_invitation(db: Database, sent_days_ago: float, **kw: object) -> int:
    with db.transaction() as session:
        pairing = f.pairing(session)
        meeting = f.meeting(session, pairing)
        invitation = issue_pulse_invitations(session, meeting.id, f.SECRET, 14)[0]
        invitation.sent_at = utcnow() - timedelta(days=sent_days_ago)
        for name, value in kw.items():
            setattr(invitation, name, value)
        return invitation.id


def test_reminders_come_at_most_twice_at_least_three_days_apart(db: Database) -> None:
    invitation_id = _sent_invitation(db, sent_days_ago=3.1)
    now = utcnow()
    with db.transaction() as session:
        assert due_reminders(session, 2, 3, now) == [invitation_id]
        assert claim_reminder(session, invitation_id, 2, 3, now) is not None
        assert claim_reminder(session, invitation_id, 2, 3, now) is None  # not twice at once
        assert due_reminders(session, 2, 3, now + timedelta(days=2)) == []
        later = now + timedelta(days=3.1)
        assert claim_reminder(session, invitation_id, 2, 3, later) is not None
        assert due_reminders(session, 2, 3, later + timedelta(days=4)) == []  # two sent


@pytest.mark.parametrize("state", [{"responded": True}, {"opted_out": True}])
def test_no_reminder_after_a_response_or_an_opt_out(db: Database, state: dict[str, bool]) -> None:
    _sent_invitation(db, sent_days_ago=5, **state)
    with db.sessions() as session:
        assert due_reminders(session, 2, 3) == []


def test_no_reminder_after_expiry_or_before_the_first_send(db: Database) -> None:
    _sent_invitation(db, sent_days_ago=5, expires_at=utcnow() - timedelta(hours=1))
    with db.transaction() as session:
        pairing = f.pairing(session)
        issue_pulse_invitations(session, f.meeting(session, pairing).id, f.SECRET, 14)
    with db.sessions() as session:
        assert due_reminders(session, 2, 3) == []


def test_rounds_past_their_last_day_close_once_and_announce_it(db: Database) -> None:
    from surveys.services.rounds import close_due_rounds

    with db.transaction() as session:
        programme = f.programme(session)
        f.pairing(session, programme)
        launch_round(
            session, programme.id, "baseline", date(2026, 3, 1), f.SECRET, today=date(2026, 2, 1)
        )
    with db.transaction() as session:
        assert close_due_rounds(session, today=date(2026, 3, 1)) == []  # last day still open
    with db.transaction() as session:
        closed = close_due_rounds(session, today=date(2026, 3, 2))
        assert len(closed) == 1
    with db.transaction() as session:
        assert close_due_rounds(session, today=date(2026, 3, 5)) == []
        topics = session.scalars(select(OutboxEvent.topic)).all()
        assert topics.count("survey.closed") == 1


def test_a_programme_without_pulses_invites_nobody_after_a_meeting(db: Database) -> None:
    with db.transaction() as session:
        pairing = f.pairing(session, f.programme(session, pulse_surveys=False))
        meeting = f.meeting(session, pairing)
        assert issue_pulse_invitations(session, meeting.id, f.SECRET, ttl_days=14) == []


def test_a_programme_without_climate_rounds_refuses_to_launch_one(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session, climate_surveys=False)
        with pytest.raises(Conflict, match="does not run the climate survey"):
            launch_round(
                session,
                programme.id,
                "baseline",
                date(2026, 3, 1),
                f.SECRET,
                today=date(2026, 2, 1),
            )


@pytest.mark.parametrize(
    ("policy", "sent_days_ago", "due"),
    [
        ({"max_reminders": 0}, 10, False),
        ({"reminder_gap_days": 7}, 4, False),
        ({"reminder_gap_days": 7}, 7.1, True),
        ({}, 3.1, True),  # the global default: 3 days
    ],
)
def test_a_programmes_own_reminder_policy_takes_precedence(
    db: Database, policy: dict[str, int], sent_days_ago: float, due: bool
) -> None:
    with db.transaction() as session:
        pairing = f.pairing(session, f.programme(session, **policy))
        invitation = issue_pulse_invitations(session, f.meeting(session, pairing).id, f.SECRET, 14)[
            0
        ]
        invitation.sent_at = utcnow() - timedelta(days=sent_days_ago)
        invitation_id = invitation.id
    with db.transaction() as session:
        assert (due_reminders(session, 2, 3) == [invitation_id]) is due
        assert (claim_reminder(session, invitation_id, 2, 3) is not None) is due


def test_the_schema_bounds_a_programmes_reminder_policy(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    for bad in ({"max_reminders": 6}, {"reminder_gap_days": 0}):
        with db.sessions() as session, pytest.raises(IntegrityError):
            f.programme(session, **bad)
