"""Submitting a response: the one place where who was asked meets what was answered.

In one transaction: the invitation is marked responded (a conditional UPDATE
the database serialises, so one token yields exactly one response however many
clients race), the response and its answers are stored with a random id, the
date only and a coarse cohort snapshot, and ``response.submitted`` is written
to the outbox. Nothing stored on the response points back at the invitation.

This is the hottest write path, so it uses a handful of Core statements (one
joined read, one conditional update, three inserts) rather than ORM flushes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.models import Answer, PseudonymKey, Response, SurveyInvitation
from surveys.definitions import Catalogue, catalogue
from surveys.domain.answers import validate_answers
from surveys.domain.events import ResponseSubmitted
from surveys.domain.vocab import gender_group, level_band, tenure_band
from surveys.services.errors import Gone
from surveys.services.invitations import OpenInvitation, open_invitation


@dataclass(frozen=True)
class CohortSnapshot:
    role: str
    level_band: str
    tenure_band: str
    gender_group: str


def cohort_snapshot(invitation: OpenInvitation, on: date) -> CohortSnapshot:
    """The coarse attributes a comparison needs, taken from HR data at submission."""
    return CohortSnapshot(
        invitation.role,
        level_band(invitation.level),
        tenure_band(invitation.started_on, on),
        gender_group(invitation.gender),
    )


def _pseudonym(session: Session, programme_id: int, person_id: int) -> str:
    """HMAC of the person under the programme's key (longitudinal programmes only)."""
    key = session.get(PseudonymKey, programme_id)
    if key is None:
        key = PseudonymKey(programme_id=programme_id, key=secrets.token_bytes(32))
        session.add(key)
        session.flush()
    return hmac.new(key.key, str(person_id).encode(), hashlib.sha256).hexdigest()


def submit_response(
    session: Session,
    token: str | OpenInvitation,
    raw_answers: Mapping[str, Sequence[str]],
    *,
    today: date | None = None,
    surveys: Catalogue | None = None,
) -> uuid.UUID:
    """Store one anonymous response for ``token``; return the response id (caller commits).

    ``token`` may be the invitation already opened by the caller. Raises
    NotFound/Gone for a token that cannot be answered and InvalidAnswers for
    answers that do not fit the survey; nothing is written then.
    """
    surveys = surveys or catalogue()
    today = today or date.today()
    invitation = token if isinstance(token, OpenInvitation) else open_invitation(session, token)
    definition = surveys.get(invitation.survey_key, invitation.survey_version)
    rows = validate_answers(definition, raw_answers)
    claimed = session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.id == invitation.id,
            SurveyInvitation.responded.is_(False),
            SurveyInvitation.opted_out.is_(False),
        )
        .values(responded=True)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise Gone("This survey has already been answered with this link. Thank you!")
    snapshot = cohort_snapshot(invitation, today)
    response_id = uuid.uuid4()
    session.execute(
        insert(Response).values(
            id=response_id,
            survey_key=definition.key,
            survey_version=definition.version,
            submitted_on=today,
            firm_id=invitation.firm_id,
            programme_id=invitation.programme_id,
            round_id=invitation.round_id,
            role=snapshot.role,
            level_band=snapshot.level_band,
            tenure_band=snapshot.tenure_band,
            gender_group=snapshot.gender_group,
            pseudonym=_pseudonym(session, invitation.programme_id, invitation.person_id)
            if invitation.longitudinal
            else None,
        )
    )
    if rows:
        session.execute(
            insert(Answer),
            [
                {
                    "response_id": response_id,
                    "question_key": row.question_key,
                    "item": row.item,
                    "value": row.value,
                    "text": row.text,
                }
                for row in rows
            ],
        )
    outbox.add_event(session, ResponseSubmitted(response_id=str(response_id)))
    return response_id
