"""What a survey link opens: the invitation behind a token, or the participant's opt-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from surveys.db.models import (
    Enrolment,
    Firm,
    Meeting,
    Pairing,
    Person,
    Programme,
    SurveyInvitation,
)
from surveys.db.types import utcnow
from surveys.services.errors import Gone, NotFound
from surveys.services.tokens import hash_token, looks_like_token


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
    #: The firm's own k, if it set one (the mixer batches at that k; the page promises it).
    min_group_size: int | None = None
    #: The person's language (HR file) and the firm's default: only for rendering the
    #: page, never part of a submission's context.
    language: str | None = None
    firm_language: str | None = None


_INVALID_LINK = "This survey link is not valid. Check that you copied all of it."

# One query, built once: the invitation, the person's HR attributes and their role.
_OPEN_INVITATION = (
    select(
        SurveyInvitation.id,
        SurveyInvitation.person_id,
        SurveyInvitation.programme_id,
        # The person's own firm: in a cross-organisation programme answers are mixed and
        # counted per member organisation, at its own k (surveys.services.members).
        Person.firm_id,
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
        Firm.min_group_size,
        Person.language,
        Firm.default_language,
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
    .join(Firm, Firm.id == Person.firm_id)
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
        min_group_size=row.min_group_size,
        language=row.language,
        firm_language=row.default_language,
    )


@dataclass(frozen=True)
class EndedLink:
    """What a participant is told on a link that cannot be answered, and whom to ask.

    ``reason``: ``unknown``, ``answered``, ``opted_out`` or ``expired``; ``contact``
    is the firm's Reply-To (its D&I team) when it set one; ``climate`` marks a
    climate round's link (a pulse link comes with each session instead).
    """

    reason: str
    firm_name: str | None = None
    contact: str | None = None
    climate: bool = False


_ENDED_LINK = (
    select(
        SurveyInvitation.responded,
        SurveyInvitation.opted_out,
        SurveyInvitation.round_id,
        Firm.name,
        Firm.reply_to,
    )
    .join(Programme, Programme.id == SurveyInvitation.programme_id)
    .join(Firm, Firm.id == Programme.firm_id)
    .where(SurveyInvitation.token_hash == bindparam("token_hash"))
)


def ended_link(session: Session, token: str) -> EndedLink:
    """Why ``token`` cannot be answered (or ``unknown``), with the firm behind it: read
    only for the participant who holds the link, to say what to do next."""
    if not looks_like_token(token):
        return EndedLink("unknown")
    row = session.connection().execute(_ENDED_LINK, {"token_hash": hash_token(token)}).one_or_none()
    if row is None:
        return EndedLink("unknown")
    reason = "answered" if row.responded else "opted_out" if row.opted_out else "expired"
    return EndedLink(reason, row.name, row.reply_to, climate=row.round_id is not None)
