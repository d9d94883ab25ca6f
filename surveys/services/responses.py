"""Submitting a response: the one place where who was asked meets what was answered.

In one transaction: the invitation is marked responded (a conditional UPDATE
the database serialises, so one token yields exactly one response however many
clients race), the response and its answers are stored with a random id, the
date only and a coarse cohort snapshot, and ``response.submitted`` is written
to the outbox. Nothing stored on the response points back at the invitation.

This is the hottest write path, so it uses Core statements rather than ORM
flushes (on PostgreSQL a single statement), and it can run on a bare Connection
with no ORM Session at all when the caller already holds the context.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NoReturn

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.models import Answer, PseudonymKey, Response, SurveyInvitation
from surveys.db.types import UTCDateTime, utcnow
from surveys.definitions import Catalogue, catalogue
from surveys.domain.answers import validate_answers
from surveys.domain.events import ResponseSubmitted
from surveys.domain.vocab import gender_group, level_band, tenure_band
from surveys.services.errors import Gone
from surveys.services.invitations import OpenInvitation, open_invitation
from surveys.services.tokens import hash_token


@dataclass(frozen=True)
class SubmissionContext:
    """Everything a response records besides its answers: the survey and the coarse
    cohort snapshot (bands only, never the raw HR attributes), for one invitation.

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
    pseudonym: str | None = None


def submission_context(
    session: Session, invitation: OpenInvitation, on: date | None = None
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
        pseudonym=_pseudonym(session, invitation.programme_id, invitation.person_id)
        if invitation.longitudinal
        else None,
    )


def _pseudonym(session: Session, programme_id: int, person_id: int) -> str:
    """HMAC of the person under the programme's key (longitudinal programmes only)."""
    key = session.get(PseudonymKey, programme_id)
    if key is None:
        key = PseudonymKey(programme_id=programme_id, key=secrets.token_bytes(32))
        session.add(key)
        session.flush()
    return hmac.new(key.key, str(person_id).encode(), hashlib.sha256).hexdigest()


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
_INSERT_RESPONSE = insert(Response)
_INSERT_ANSWER = insert(Answer)
_ANSWERED = "This survey has already been answered with this link. Thank you!"

# On PostgreSQL the same writes go in one round trip: the claim and, only if it
# succeeded, the response, its answers and the outbox row (data-modifying CTEs).
_PG_SUBMIT = """
WITH claimed AS (
    UPDATE survey_invitations SET responded = true
    WHERE id = %(invitation_id)s AND token_hash = %(claimed_hash)s AND NOT responded
      AND NOT opted_out AND expires_at > %(now)s
    RETURNING id
), response AS (
    INSERT INTO responses (id, survey_key, survey_version, submitted_on, firm_id,
                           programme_id, round_id, role, level_band, tenure_band,
                           gender_group, pseudonym)
    SELECT %(id)s, %(survey_key)s, %(survey_version)s, %(submitted_on)s, %(firm_id)s,
           %(programme_id)s, %(round_id)s, %(role)s, %(level_band)s, %(tenure_band)s,
           %(gender_group)s, %(pseudonym)s
    FROM claimed
    RETURNING id
), answers AS (
    INSERT INTO answers (response_id, question_key, item, value, text)
    SELECT response.id, a.question_key, a.item, a.value, a.text
    FROM response, jsonb_to_recordset(CAST(%(answers)s AS jsonb))
         AS a(question_key varchar, item varchar, value integer, text text)
), event AS (
    INSERT INTO outbox_events (topic, payload, created_at, attempts)
    SELECT %(topic)s, CAST(%(payload)s AS json), %(created_at)s, 0 FROM response
)
SELECT count(*) FROM response
"""  # psycopg placeholders: run with exec_driver_sql, no SQL compilation


def submit_response(
    session: Session | Connection,
    token: str,
    raw_answers: Mapping[str, Sequence[str]],
    *,
    context: SubmissionContext | None = None,
    today: date | None = None,
    now: datetime | None = None,
    surveys: Catalogue | None = None,
) -> uuid.UUID:
    """Store one anonymous response for ``token``; return the response id (caller commits).

    With a ``context`` (already read for this token, e.g. when the page was shown)
    the submission is one conditional write; the claim still checks the token,
    the expiry and that the invitation is unanswered. Raises NotFound/Gone for a
    token that cannot be answered and InvalidAnswers for answers that do not fit
    the survey; nothing is written then.

    ``session`` may be a bare Connection when a ``context`` is given (the fast
    path of the answering page); the caller then commits and calls
    :func:`surveys.outbox.notify_committed`.
    """
    surveys = surveys or catalogue()
    today = today or date.today()
    now = now or utcnow()
    if context is None:
        if not isinstance(session, Session):
            raise TypeError("a submission without a context reads the invitation: pass a Session")
        context = submission_context(session, open_invitation(session, token, now), today)
    definition = surveys.get(context.survey_key, context.survey_version)
    rows = validate_answers(definition, raw_answers)
    response_id = uuid.uuid4()
    response = {
        "id": response_id,
        "survey_key": definition.key,
        "survey_version": definition.version,
        "submitted_on": today,
        "firm_id": context.firm_id,
        "programme_id": context.programme_id,
        "round_id": context.round_id,
        "role": context.role,
        "level_band": context.level_band,
        "tenure_band": context.tenure_band,
        "gender_group": context.gender_group,
        "pseudonym": context.pseudonym,
    }
    answers = [
        {"question_key": row.question_key, "item": row.item, "value": row.value, "text": row.text}
        for row in rows
    ]
    event = ResponseSubmitted(response_id=str(response_id))
    claim = {
        "invitation_id": context.invitation_id,
        "claimed_hash": hash_token(token),
        "now": now,
    }
    conn = session.connection() if isinstance(session, Session) else session
    if conn.dialect.name == "postgresql":
        stored = conn.exec_driver_sql(
            _PG_SUBMIT,
            {
                **claim,
                **response,
                "answers": json.dumps(answers),
                "topic": event.topic,
                "payload": json.dumps(event.payload()),
                "created_at": claim["now"],
            },
        ).scalar_one()
        if stored != 1:
            _refuse(conn, token, now)
        if isinstance(session, Session):
            outbox.mark_written(session)
        return response_id
    claimed = conn.execute(_CLAIM, claim)
    if getattr(claimed, "rowcount", 0) != 1:
        _refuse(conn, token, now)
    conn.execute(_INSERT_RESPONSE, response)
    if answers:
        conn.execute(_INSERT_ANSWER, [{"response_id": response_id, **a} for a in answers])
    outbox.add_event(session, event)
    return response_id


def _refuse(conn: Connection, token: str, now: datetime) -> NoReturn:
    """The claim wrote nothing: say why (unknown, expired, opted out, answered)."""
    with Session(bind=conn) as session:
        open_invitation(session, token, now)  # raises NotFound or Gone with the reason
    raise Gone(_ANSWERED)  # it was answered a moment ago, by a concurrent submission
