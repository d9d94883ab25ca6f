"""Submitting a response: the one place where who was asked meets what was answered.

In one transaction: the invitation is marked responded (a conditional UPDATE
the database serialises, so one token yields exactly one response however many
clients race), the response and its answers are stored with a random id, the
date only and a coarse cohort snapshot, and ``response.submitted`` is written
to the outbox. Nothing stored on the response points back at the invitation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.models import (
    Answer,
    Enrolment,
    Person,
    Programme,
    PseudonymKey,
    Response,
    SurveyInvitation,
)
from surveys.definitions import Catalogue, catalogue
from surveys.domain.answers import validate_answers
from surveys.domain.events import ResponseSubmitted
from surveys.domain.vocab import gender_group, level_band, tenure_band
from surveys.services.errors import Gone
from surveys.services.invitations import find_open_invitation


@dataclass(frozen=True)
class CohortSnapshot:
    role: str
    level_band: str
    tenure_band: str
    gender_group: str


def cohort_snapshot(session: Session, invitation: SurveyInvitation, on: date) -> CohortSnapshot:
    """The coarse attributes a comparison needs, taken from HR data at submission."""
    person = session.get(Person, invitation.person_id)
    assert person is not None
    if invitation.meeting is not None:
        pairing = invitation.meeting.pairing
        role = "mentor" if pairing.mentor_id == person.id else "mentee"
    else:
        enrolment_role = session.scalar(
            select(Enrolment.role).where(
                Enrolment.programme_id == invitation.programme_id, Enrolment.person_id == person.id
            )
        )
        role = enrolment_role or "comparison"
    return CohortSnapshot(
        role,
        level_band(person.level),
        tenure_band(person.started_on, on),
        gender_group(person.gender),
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
    token: str,
    raw_answers: Mapping[str, Sequence[str]],
    *,
    today: date | None = None,
    surveys: Catalogue | None = None,
) -> Response:
    """Store one anonymous response for ``token`` (flushed; the caller commits).

    Raises NotFound/Gone for a token that cannot be answered and
    InvalidAnswers for answers that do not fit the survey; nothing is written then.
    """
    surveys = surveys or catalogue()
    today = today or date.today()
    invitation = find_open_invitation(session, token)
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
    snapshot = cohort_snapshot(session, invitation, today)
    programme = session.get(Programme, invitation.programme_id)
    assert programme is not None
    response = Response(
        id=uuid.uuid4(),
        survey_key=definition.key,
        survey_version=definition.version,
        submitted_on=today,
        firm_id=programme.firm_id,
        programme_id=programme.id,
        round_id=invitation.round_id,
        role=snapshot.role,
        level_band=snapshot.level_band,
        tenure_band=snapshot.tenure_band,
        gender_group=snapshot.gender_group,
        pseudonym=_pseudonym(session, programme.id, invitation.person_id)
        if programme.longitudinal
        else None,
    )
    response.answers = [
        Answer(question_key=row.question_key, item=row.item, value=row.value, text=row.text)
        for row in rows
    ]
    session.add(response)
    session.flush()
    outbox.add_event(session, ResponseSubmitted(response_id=str(response.id)))
    return response
