"""Issuing invitations (after a meeting, for a climate round), reminders and opt-outs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.aggregates.release import move_release_version
from surveys.db.models import (
    Enrolment,
    Meeting,
    Pairing,
    Person,
    Programme,
    SurveyInvitation,
    SurveyRound,
)
from surveys.db.types import utcnow
from surveys.definitions import CLIMATE, Catalogue, catalogue
from surveys.domain.events import InvitationIssued
from surveys.services.errors import Conflict, Gone, Invalid, NotFound
from surveys.services.tokens import hash_token, looks_like_token, new_salt, survey_token


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
    """
    surveys = surveys or catalogue()
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"there is no meeting {meeting_id}")
    pairing = meeting.pairing
    if not pairing.programme.pulse_surveys:
        return []  # this programme runs no pulse surveys
    expires_at = utcnow() + timedelta(days=ttl_days)
    issued = []
    for role, person_id in (("mentor", pairing.mentor_id), ("mentee", pairing.mentee_id)):
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
    who has not left. Returns the round and how many were invited.
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


@dataclass(frozen=True)
class OpenInvitation:
    """An invitation that can still be answered, with what a response's snapshot needs."""

    id: int
    person_id: int
    programme_id: int
    firm_id: int
    survey_key: str
    survey_version: int
    round_id: int | None
    role: str
    level: str
    started_on: date
    gender: str | None
    longitudinal: bool


_INVALID_LINK = "This survey link is not valid. Check that you copied all of it."

# One query, built once: the invitation, the person's HR attributes and their role.
_OPEN_INVITATION = (
    select(
        SurveyInvitation.id,
        SurveyInvitation.person_id,
        SurveyInvitation.programme_id,
        Programme.firm_id,
        SurveyInvitation.survey_key,
        SurveyInvitation.survey_version,
        SurveyInvitation.round_id,
        SurveyInvitation.meeting_id,
        SurveyInvitation.responded,
        SurveyInvitation.opted_out,
        SurveyInvitation.expires_at,
        Person.level,
        Person.started_on,
        Person.gender,
        Programme.longitudinal,
        select(Pairing.mentor_id)
        .join(Meeting, Meeting.pairing_id == Pairing.id)
        .where(Meeting.id == SurveyInvitation.meeting_id)
        .scalar_subquery()
        .label("mentor_id"),
        select(Enrolment.role)
        .where(
            Enrolment.programme_id == SurveyInvitation.programme_id,
            Enrolment.person_id == SurveyInvitation.person_id,
        )
        .scalar_subquery()
        .label("enrolled_as"),
    )
    .join(Person, Person.id == SurveyInvitation.person_id)
    .join(Programme, Programme.id == SurveyInvitation.programme_id)
    .where(SurveyInvitation.token_hash == bindparam("token_hash"))
)


def open_invitation(session: Session, token: str, now: datetime | None = None) -> OpenInvitation:
    """The invitation for ``token`` if it can still be answered, read in one query.

    Raises NotFound for an unknown token and Gone for one that was used,
    has expired or was opted out of, each with a message for the participant.
    """
    if not looks_like_token(token):
        raise NotFound(_INVALID_LINK)
    row = (
        session.connection()
        .execute(_OPEN_INVITATION, {"token_hash": hash_token(token)})
        .one_or_none()
    )
    if row is None:
        raise NotFound(_INVALID_LINK)
    if row.responded:
        raise Gone("This survey has already been answered with this link. Thank you!")
    if row.opted_out:
        raise Gone("You opted out of this survey, so this link no longer works.")
    if row.expires_at <= (now or utcnow()):
        raise Gone("This survey link has expired. Links are valid for a limited time.")
    if row.meeting_id is not None:
        role = "mentor" if row.mentor_id == row.person_id else "mentee"
    else:
        role = row.enrolled_as or "comparison"
    return OpenInvitation(
        id=row.id,
        person_id=row.person_id,
        programme_id=row.programme_id,
        firm_id=row.firm_id,
        survey_key=row.survey_key,
        survey_version=row.survey_version,
        round_id=row.round_id,
        role=role,
        level=row.level,
        started_on=row.started_on,
        gender=row.gender,
        longitudinal=row.longitudinal,
    )


def opt_out(session: Session, token: str) -> None:
    """Stop reminders for this invitation and close its link (one click from any email)."""
    invitation = open_invitation(session, token)
    session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id)
        .values(opted_out=True)
        .execution_options(synchronize_session=False)
    )


def _policy(programme: Programme, max_reminders: int, gap_days: int) -> tuple[int, int]:
    """The programme's reminder policy, falling back to the global settings."""
    return (
        max_reminders if programme.max_reminders is None else programme.max_reminders,
        gap_days if programme.reminder_gap_days is None else programme.reminder_gap_days,
    )


def _is_due(
    invitation: SurveyInvitation,
    programme: Programme,
    max_reminders: int,
    gap_days: int,
    now: datetime,
) -> bool:
    limit, gap = _policy(programme, max_reminders, gap_days)
    last = invitation.last_reminded_at or invitation.sent_at
    return (
        invitation.reminders_sent < limit
        and invitation.sent_at is not None
        and last is not None
        and last <= now - timedelta(days=gap)
    )


def due_reminders(
    session: Session, max_reminders: int, gap_days: int, now: datetime | None = None
) -> list[int]:
    """Invitations that should get a reminder now: sent, unanswered, open, not too soon.

    ``max_reminders``/``gap_days`` are the global settings; a programme's own
    reminder policy takes precedence.
    """
    now = now or utcnow()
    candidates = session.execute(
        select(SurveyInvitation, Programme)
        .join(Programme, Programme.id == SurveyInvitation.programme_id)
        .where(
            SurveyInvitation.sent_at.is_not(None),
            SurveyInvitation.responded.is_(False),
            SurveyInvitation.opted_out.is_(False),
            SurveyInvitation.expires_at > now,
            SurveyInvitation.reminders_sent < 5,
        )
        .order_by(SurveyInvitation.id)
    ).all()
    return [i.id for i, p in candidates if _is_due(i, p, max_reminders, gap_days, now)]


def claim_reminder(
    session: Session,
    invitation_id: int,
    max_reminders: int,
    gap_days: int,
    now: datetime | None = None,
) -> SurveyInvitation | None:
    """Count a reminder for ``invitation_id`` if one is still due; None if not.

    A conditional UPDATE on the values just read, so two schedulers or a
    redelivered message cannot send the same reminder twice.
    """
    now = now or utcnow()
    row = session.execute(
        select(SurveyInvitation, Programme)
        .join(Programme, Programme.id == SurveyInvitation.programme_id)
        .where(
            SurveyInvitation.id == invitation_id,
            SurveyInvitation.responded.is_(False),
            SurveyInvitation.opted_out.is_(False),
            SurveyInvitation.expires_at > now,
        )
    ).one_or_none()
    if row is None or not _is_due(row[0], row[1], max_reminders, gap_days, now):
        return None
    invitation = row[0]
    result = session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.id == invitation_id,
            SurveyInvitation.reminders_sent == invitation.reminders_sent,
        )
        .values(reminders_sent=SurveyInvitation.reminders_sent + 1, last_reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return session.get(SurveyInvitation, invitation_id, populate_existing=True)
