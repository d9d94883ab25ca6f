"""Issuing invitations: after each recorded meeting (pulse) and when a climate round opens.

Each invitation gets its own salted token and an InvitationIssued event in the
caller's transaction; the mail goes out only once that commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.aggregates.release import move_release_version
from surveys.db.models import Enrolment, Meeting, Person, Programme, SurveyInvitation, SurveyRound
from surveys.db.types import utcnow
from surveys.definitions import CLIMATE, Catalogue, catalogue
from surveys.domain.events import InvitationIssued
from surveys.services.errors import Conflict, Invalid, NotFound
from surveys.services.invitations.optouts import blocked_people
from surveys.services.tokens import hash_token, new_salt, survey_token


def _invite(
    session: Session,
    secret_key: str,
    person_id: int,
    programme_id: int,
    survey_key: str,
    survey_version: int,
    expires_at: datetime,
    *,
    meeting_id: int | None = None,
    round_id: int | None = None,
) -> SurveyInvitation:
    salt = new_salt()
    invitation = SurveyInvitation(
        token_hash=hash_token(survey_token(secret_key, salt)),
        token_salt=salt,
        person_id=person_id,
        programme_id=programme_id,
        survey_key=survey_key,
        survey_version=survey_version,
        meeting_id=meeting_id,
        round_id=round_id,
        expires_at=expires_at,
    )
    session.add(invitation)
    session.flush()
    outbox.add_event(session, InvitationIssued(invitation_id=invitation.id))
    return invitation


def issue_pulse_invitations(
    session: Session,
    meeting_id: int,
    secret_key: str,
    ttl_days: int,
    surveys: Catalogue | None = None,
) -> list[SurveyInvitation]:
    """One invitation per participant of the meeting, each with their role's pulse.

    Safe to call twice for the same meeting: existing invitations are kept.
    Nobody who opted out of the programme's pulses or the firm's mail is invited.
    """
    surveys = surveys or catalogue()
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"there is no meeting {meeting_id}")
    pairing = meeting.pairing
    if not pairing.programme.pulse_surveys:
        return []  # this programme runs no pulse surveys
    expires_at = utcnow() + timedelta(days=ttl_days)
    blocked = blocked_people(session, pairing.programme, pulses=True)
    issued = []
    for role, person_id in (("mentor", pairing.mentor_id), ("mentee", pairing.mentee_id)):
        if person_id in blocked:
            continue
        existing = session.scalar(
            select(SurveyInvitation).where(
                SurveyInvitation.person_id == person_id, SurveyInvitation.meeting_id == meeting.id
            )
        )
        if existing is not None:
            issued.append(existing)
            continue
        definition = surveys.pulse_for(role)
        issued.append(
            _invite(
                session,
                secret_key,
                person_id,
                pairing.programme_id,
                definition.key,
                definition.version,
                expires_at,
                meeting_id=meeting.id,
            )
        )
    return issued


def launch_round(
    session: Session,
    programme_id: int,
    label: str,
    closes_on: date,
    secret_key: str,
    *,
    survey_key: str = CLIMATE,
    today: date | None = None,
    surveys: Catalogue | None = None,
) -> tuple[SurveyRound, int]:
    """Open a climate round and invite everyone in the programme's scope.

    Scope: every enrolled person (mentors, mentees and the comparison group)
    who has not left, except those who stopped all mail from the firm.
    Returns the round and how many were invited.
    """
    surveys = surveys or catalogue()
    today = today or date.today()
    label = label.strip()
    if not label:
        raise Invalid("a round needs a label, for example 'baseline' or 'follow-up'")
    if closes_on <= today:
        raise Invalid("a round must close after today")
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(f"there is no programme {programme_id}")
    if programme.status == "closed":
        raise Conflict("this programme is closed")
    if not programme.climate_surveys:
        raise Conflict("this programme does not run the climate survey")
    try:
        definition = surveys.current(survey_key)
    except KeyError:
        raise Invalid(f"there is no survey {survey_key!r}") from None
    taken = session.scalar(
        select(SurveyRound.id).where(
            SurveyRound.programme_id == programme_id,
            SurveyRound.survey_key == survey_key,
            SurveyRound.label == label,
        )
    )
    if taken is not None:
        raise Conflict(f"this programme already has a {label!r} round")
    round_ = SurveyRound(
        programme_id=programme_id,
        survey_key=definition.key,
        survey_version=definition.version,
        label=label,
        opened_on=today,
        closes_on=closes_on,
    )
    session.add(round_)
    session.flush()
    # A survey run in rounds is then shown by round only: its readers must look again.
    move_release_version(session, programme_id)
    in_scope = session.scalars(
        select(Person.id)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .where(Enrolment.programme_id == programme_id)
        .where(or_(Person.left_on.is_(None), Person.left_on > today))
        .order_by(Person.id)
    ).all()
    blocked = blocked_people(session, programme, pulses=False)
    in_scope = [person_id for person_id in in_scope if person_id not in blocked]
    expires_at = datetime.combine(closes_on, datetime.max.time()).replace(tzinfo=utcnow().tzinfo)
    for person_id in in_scope:
        _invite(
            session,
            secret_key,
            person_id,
            programme_id,
            definition.key,
            definition.version,
            expires_at,
            round_id=round_.id,
        )
    return round_, len(in_scope)
