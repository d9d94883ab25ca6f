"""Counts of who was enrolled and who was asked, per role: the denominators of rates.

These are read-only counts over the "who was asked" half of the schema
(enrolments, invitations); they never touch what was answered. Like the cells
they divide, they count the programme's own firm's people (a cross-organisation
programme's other members are counted in their own firms' cells).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.db.models import Enrolment, Person, Programme, SurveyInvitation


def _own_people(programme_id: int) -> Any:
    owner = select(Programme.firm_id).where(Programme.id == programme_id).scalar_subquery()
    return select(Person.id).where(Person.firm_id == owner)


def enrolled_by_role(session: Session, programme_id: int) -> dict[str, int]:
    """How many people are enrolled in a programme, per role (roles without anyone absent)."""
    rows = session.execute(
        select(Enrolment.role, func.count())
        .where(Enrolment.programme_id == programme_id)
        .where(Enrolment.person_id.in_(_own_people(programme_id)))
        .group_by(Enrolment.role)
    ).all()
    return {role: int(n) for role, n in rows}


def sent_by_role(
    session: Session, programme_id: int, *, round_id: int | None = None
) -> dict[str, int]:
    """Invitations of a programme (or of one of its rounds) sent so far, per enrolled role."""
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
    if round_id is not None:
        query = query.where(SurveyInvitation.round_id == round_id)
    return {role: int(n) for role, n in session.execute(query).all()}
