"""Counts of who was enrolled and who was asked, per role: the denominators of rates.

These are read-only counts over the "who was asked" half of the schema
(enrolments, invitations); they never touch what was answered.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.db.models import Enrolment, SurveyInvitation


def enrolled_by_role(session: Session, programme_id: int) -> dict[str, int]:
    """How many people are enrolled in a programme, per role (roles without anyone absent)."""
    rows = session.execute(
        select(Enrolment.role, func.count())
        .where(Enrolment.programme_id == programme_id)
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
        .group_by(Enrolment.role)
    )
    if round_id is not None:
        query = query.where(SurveyInvitation.round_id == round_id)
    return {role: int(n) for role, n in session.execute(query).all()}
