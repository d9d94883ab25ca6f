"""Closing climate rounds once their last day has passed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.models import SurveyRound
from surveys.domain.events import SurveyClosed


def close_due_rounds(session: Session, today: date | None = None) -> list[int]:
    """Close every open round whose closing day is over; announce ``survey.closed``.

    The flag and the event are written in the caller's transaction, so a round
    is closed and announced together, once (a second call finds nothing to do).
    """
    today = today or date.today()
    due = session.scalars(
        select(SurveyRound)
        .where(SurveyRound.closed.is_(False), SurveyRound.closes_on < today)
        .order_by(SurveyRound.id)
        .with_for_update(skip_locked=True)
    ).all()
    for round_ in due:
        round_.closed = True
        outbox.add_event(session, SurveyClosed(round_id=round_.id))
    session.flush()
    return [r.id for r in due]
