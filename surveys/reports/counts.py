"""Counts of who was enrolled, who was asked and who answered, per role: rates' denominators.

These are read-only counts over the "who was asked" half of the schema
(enrolments, invitations and their responded flags); they never touch what was
answered. A response rate is invitations answered over invitations sent, both
from here: the released responses lag behind (batching) and shrink (cells
below k), so they are a numerator for nothing but themselves. Like the cells
they divide, they count the programme's own firm's people (a cross-organisation
programme's other members are counted in their own firms' cells).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.db.models import Enrolment, Person, Programme, SurveyInvitation


def _own_people(programme_id: int, firm_id: int | None = None) -> Any:
    if firm_id is not None:  # one member firm's people (a cross-organisation programme)
        return select(Person.id).where(Person.firm_id == firm_id)
    owner = select(Programme.firm_id).where(Programme.id == programme_id).scalar_subquery()
    return select(Person.id).where(Person.firm_id == owner)


def enrolled_by_role(
    session: Session, programme_id: int, *, firm_id: int | None = None
) -> dict[str, int]:
    """How many people are enrolled in a programme, per role (roles without anyone absent):
    the owning firm's people, or member firm ``firm_id``'s."""
    rows = session.execute(
        select(Enrolment.role, func.count())
        .where(Enrolment.programme_id == programme_id)
        .where(Enrolment.person_id.in_(_own_people(programme_id, firm_id)))
        .group_by(Enrolment.role)
    ).all()
    return {role: int(n) for role, n in rows}


def _invitations_by_role(
    session: Session,
    programme_id: int,
    round_ids: Iterable[int] | None,
    survey_keys: Iterable[str] | None,
    answered: bool,
) -> dict[str, int]:
    query = (
        select(Enrolment.role, func.count())
        .select_from(SurveyInvitation)
        .join(
            Enrolment,
            (Enrolment.person_id == SurveyInvitation.person_id)
            & (Enrolment.programme_id == SurveyInvitation.programme_id),
        )
        .where(SurveyInvitation.programme_id == programme_id, SurveyInvitation.sent_at.is_not(None))
        .where(SurveyInvitation.person_id.in_(_own_people(programme_id)))
        .group_by(Enrolment.role)
    )
    if round_ids is not None:
        query = query.where(SurveyInvitation.round_id.in_(list(round_ids)))
    if survey_keys is not None:
        query = query.where(SurveyInvitation.survey_key.in_(list(survey_keys)))
    if answered:
        query = query.where(SurveyInvitation.responded.is_(True))
    return {role: int(n) for role, n in session.execute(query).all()}


def sent_by_role(
    session: Session,
    programme_id: int,
    *,
    round_id: int | None = None,
    survey_keys: Iterable[str] | None = None,
) -> dict[str, int]:
    """Invitations of a programme (or of one of its rounds) sent so far, per enrolled role."""
    rounds = None if round_id is None else [round_id]
    return _invitations_by_role(session, programme_id, rounds, survey_keys, answered=False)


def answered_by_role(
    session: Session,
    programme_id: int,
    *,
    round_id: int | None = None,
    survey_keys: Iterable[str] | None = None,
) -> dict[str, int]:
    """Of those invitations, the ones answered (their responded flag), per enrolled role.

    Counted whether or not the answers have been released yet: the rate says
    how many people answered, not how many answers the mixer has stored.
    """
    rounds = None if round_id is None else [round_id]
    return _invitations_by_role(session, programme_id, rounds, survey_keys, answered=True)
