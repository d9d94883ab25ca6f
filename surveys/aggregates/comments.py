"""Comments pooled for release with their cohort-month (see :class:`PooledComment`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Answer, PooledComment, Response
from surveys.domain.comments import mask_contact_details
from surveys.domain.periods import month_of_week
from surveys.domain.vocab import COHORT


def comment_period(period_kind: str, period: str) -> str:
    """A comment's pool: the month of its response's week or month, else its round."""
    if period_kind == "week":
        return month_of_week(period)
    if period_kind == "round":
        return f"round:{period}"
    return period


def pool_comments(session: Session, response_ids: Iterable[uuid.UUID], *, released: bool) -> int:
    """Copy the free-text answers of ``response_ids``, masked, to wait for their release.

    Called in the transaction that counts the responses into their cells (the
    aggregation consumer, or a rebuild for the events it takes over), so a
    comment is pooled exactly when its response is counted. Returns how many.
    """
    rows = session.execute(
        select(Response, Answer.question_key, Answer.text)
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.id.in_(list(response_ids)), Answer.text.is_not(None))
    ).all()
    pooled = [
        PooledComment(
            id=uuid.uuid4(),
            survey_key=response.survey_key,
            survey_version=response.survey_version,
            question_key=question_key,
            firm_id=response.firm_id,
            programme_id=response.programme_id,
            **{name: getattr(response, name) for name in COHORT},
            period=comment_period(response.period_kind, response.period),
            text=mask_contact_details(text.strip()),
            released=released,
        )
        for response, question_key, text in rows
        if text and text.strip()
    ]
    session.add_all(pooled)
    return len(pooled)
