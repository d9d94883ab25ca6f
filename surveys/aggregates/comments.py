"""Comments pooled for release with their cohort-month (see :class:`PooledComment`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import insert, select
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


_HEAD = ("firm_id", "programme_id", *COHORT, "period_kind", "period")


def pool_comments(session: Session, response_ids: Iterable[uuid.UUID], *, released: bool) -> int:
    """Copy the free-text answers of ``response_ids``, masked, to wait for their release.

    Called in the transaction that counts the responses into their cells (the
    aggregation consumer, or a rebuild for the events it takes over), so a
    comment is pooled exactly when its response is counted. Returns how many.
    """
    columns = [getattr(Response, name) for name in ("survey_key", "survey_version", *_HEAD)]
    ids = list(response_ids)
    pooled: list[dict[str, object]] = []
    for start in range(0, len(ids), 5000):  # Core rows, not entities: a batch is thousands
        rows = session.execute(
            select(*columns, Answer.question_key, Answer.text)
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.id.in_(ids[start : start + 5000]), Answer.text.is_not(None))
        ).all()
        for row in rows:
            if not (row.text and row.text.strip()):
                continue
            pooled.append(
                {
                    "id": uuid.uuid4(),
                    "survey_key": row.survey_key,
                    "survey_version": row.survey_version,
                    "question_key": row.question_key,
                    "firm_id": row.firm_id,
                    "programme_id": row.programme_id,
                    **{name: getattr(row, name) for name in COHORT},
                    "period": comment_period(row.period_kind, row.period),
                    "text": mask_contact_details(row.text.strip()),
                    "released": released,
                }
            )
    if pooled:
        session.execute(insert(PooledComment), pooled)
    return len(pooled)
