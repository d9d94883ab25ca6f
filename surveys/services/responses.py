"""Submitting a response: the one place where who was asked meets what was answered.

In one transaction: the invitation is marked responded (a conditional UPDATE
the database serialises, so one token yields exactly one response however many
clients race), one *sealed submission* is written -- the answers, survey,
period, cohort snapshot and a period-scoped person tag, encrypted to the
mixer's public key (:mod:`surveys.intake.sealing`). Nothing else: no outbox
event (nothing acts on one submission; the clock's mixer pass opens the inbox),
and no response, answer, band or date in plain text: the mixer stores them
later, in batches of at least k people (:mod:`surveys.intake.mixer`).

This is the hottest write path: Core statements on a bare Connection (on
PostgreSQL a single statement). Callers without a page context read it first
with :func:`read_context`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NoReturn

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy.orm import Session

from surveys.db.dialect import is_postgres
from surveys.db.models import SealedSubmission, SurveyInvitation
from surveys.db.types import UTCDateTime, utcnow
from surveys.definitions import Catalogue, catalogue
from surveys.domain.answers import validate_answers
from surveys.domain.vocab import gender_group, level_band, tenure_band
from surveys.intake import keys as keyring
from surveys.intake.keys import Keys
from surveys.intake.sealing import SealedAnswer, Submission, period_of, seal, tag_period
from surveys.services.errors import Gone
from surveys.services.invitations import OpenInvitation, open_invitation
from surveys.services.tokens import hash_token


@dataclass(frozen=True)
class SubmissionContext:
    """Everything a submission records besides its answers: the survey, the coarse
    cohort snapshot (bands only, never the raw HR attributes) and the person's
    opaque reference for this survey (:func:`surveys.intake.keys.person_ref`, keyed,
    never stored), for one invitation.

    The answering page may carry it, signed, from the page view to the submission,
    which then needs no read before its single write; see :func:`submission_context`.
    """

    invitation_id: int
    survey_key: str
    survey_version: int
    firm_id: int
    programme_id: int
    round_id: int | None
    role: str
    level_band: str
    tenure_band: str
    gender_group: str
    person_ref: str
    pseudonym: str | None = None


def submission_context(
    invitation: OpenInvitation, keys: Keys, on: date | None = None
) -> SubmissionContext:
    """The context of an open invitation, with bands taken from HR data ``on`` a date."""
    on = on or date.today()
    return SubmissionContext(
        invitation_id=invitation.id,
        survey_key=invitation.survey_key,
        survey_version=invitation.survey_version,
        firm_id=invitation.firm_id,
        programme_id=invitation.programme_id,
        round_id=invitation.round_id,
        role=invitation.role,
        level_band=level_band(invitation.level),
        tenure_band=tenure_band(invitation.started_on, on),
        gender_group=gender_group(invitation.gender),
        person_ref=keyring.person_ref(
            keys.pseudonym_secret, invitation.person_id, invitation.survey_key
        ),
        pseudonym=keyring.pseudonym(
            keys.pseudonym_secret, invitation.programme_id, invitation.person_id
        )
        if invitation.longitudinal
        else None,
    )


def read_context(
    session: Session, token: str, keys: Keys, *, now: datetime | None = None
) -> SubmissionContext:
    """The context of ``token`` read from the database (raises NotFound/Gone)."""
    now = now or utcnow()
    return submission_context(open_invitation(session, token, now), keys, now.date())


# Built once: the statements of the hot path (SQLAlchemy then reuses their cache keys).
_CLAIM = (
    update(SurveyInvitation)
    .where(
        SurveyInvitation.id == bindparam("invitation_id"),
        SurveyInvitation.token_hash == bindparam("claimed_hash"),
        SurveyInvitation.responded.is_(False),
        SurveyInvitation.opted_out.is_(False),
        SurveyInvitation.expires_at > bindparam("now", type_=UTCDateTime),
    )
    .values(responded=True)
)
_INSERT_SEALED = insert(SealedSubmission)
_ANSWERED = "This survey has already been answered with this link. Thank you!"

# On PostgreSQL the same writes go in one round trip: the claim and, only if it
# succeeded, the sealed row (a data-modifying CTE).
_PG_SUBMIT = """
WITH claimed AS (
    UPDATE survey_invitations SET responded = true
    WHERE id = %(invitation_id)s AND token_hash = %(claimed_hash)s AND NOT responded
      AND NOT opted_out AND expires_at > %(now)s
    RETURNING id
), sealed AS (
    INSERT INTO sealed_submissions (id, period, sealed)
    SELECT %(id)s, %(period)s, %(sealed)s FROM claimed
    RETURNING id
)
SELECT count(*) FROM sealed
"""  # psycopg placeholders: run with exec_driver_sql, no SQL compilation


def submit_response(
    conn: Connection,
    token: str,
    raw_answers: Mapping[str, Sequence[str]],
    context: SubmissionContext,
    *,
    keys: Keys,
    now: datetime | None = None,
    surveys: Catalogue | None = None,
) -> None:
    """Seal one anonymous submission for ``token`` (the caller commits).

    The claim checks the token, the expiry and that the invitation is
    unanswered. Raises NotFound/Gone for a token that cannot be answered and
    InvalidAnswers for answers that do not fit the survey; nothing is written
    then. Returns nothing: there is no id a caller could keep.
    """
    surveys = surveys or catalogue()
    now = now or utcnow()
    definition = surveys.get(context.survey_key, context.survey_version)
    rows = validate_answers(definition, raw_answers)
    period = period_of(context.round_id, now.date())
    submission = Submission(
        survey_key=definition.key,
        survey_version=definition.version,
        firm_id=context.firm_id,
        programme_id=context.programme_id,
        round_id=context.round_id,
        role=context.role,
        level_band=context.level_band,
        tenure_band=context.tenure_band,
        gender_group=context.gender_group,
        period=period,
        tag=keyring.person_tag(keys.pseudonym_secret, context.person_ref, tag_period(period)),
        pseudonym=context.pseudonym,
        answers=tuple(SealedAnswer(r.question_key, r.item, r.value, r.text) for r in rows),
        person=keyring.programme_tag(
            keys.pseudonym_secret, context.person_ref, context.programme_id
        ),
    )
    sealed = {
        "id": uuid.uuid4(),
        "period": period,
        "sealed": seal(keys.public_key, submission, definition),
    }
    claim = {"invitation_id": context.invitation_id, "claimed_hash": hash_token(token), "now": now}
    if is_postgres(conn):
        stored = conn.exec_driver_sql(_PG_SUBMIT, {**claim, **sealed}).scalar_one()
        if stored != 1:
            _refuse(conn, token, now)
    else:
        claimed = conn.execute(_CLAIM, claim)
        if getattr(claimed, "rowcount", 0) != 1:
            _refuse(conn, token, now)
        conn.execute(_INSERT_SEALED, sealed)


def _refuse(conn: Connection, token: str, now: datetime) -> NoReturn:
    """The claim wrote nothing: say why (unknown, expired, opted out, answered)."""
    with Session(bind=conn) as session:
        open_invitation(session, token, now)  # raises NotFound or Gone with the reason
    raise Gone(_ANSWERED)  # it was answered a moment ago, by a concurrent submission
