"""Comments pooled with their cohort-month, released with the batch that counts them
(see :class:`PooledComment`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

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


def pool_comments(session: Session, response_ids: Iterable[uuid.UUID]) -> int:
    """Copy the free-text answers of ``response_ids``, masked and released.

    Called in the mixer's transaction that counts the responses into their cells
    (every batch holds at least k people), so a comment is pooled, and released,
    exactly when its response is counted. Returns how many.
    """
    columns = [getattr(Response, name) for name in ("survey_key", "survey_version", *_HEAD)]
    ids = list(response_ids)
    found: list[tuple[Any, str, str]] = []
    for start in range(0, len(ids), 5000):  # Core rows, not entities: a batch is thousands
        rows = session.execute(
            select(*columns, Answer.question_key, Answer.text)
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.id.in_(ids[start : start + 5000]), Answer.text.is_not(None))
        ).all()
        found += [(row, row.question_key, row.text) for row in rows]
    return pool_texts(session, found)


def pool_texts(session: Session, texts: Iterable[tuple[Any, str, str | None]]) -> int:
    """Pool free-text answers already in hand: (response, question, text) each.

    The mixer's path (it holds the answers it just stored, so it need not read
    them back); :func:`pool_comments` reads them first. Blank texts are skipped.
    Returns how many were pooled.
    """
    pooled: list[dict[str, object]] = []
    for response, question_key, text in texts:
        if not (text and text.strip()):
            continue
        pooled.append(
            {
                "id": uuid.uuid4(),
                "survey_key": response.survey_key,
                "survey_version": response.survey_version,
                "question_key": question_key,
                "firm_id": response.firm_id,
                "programme_id": response.programme_id,
                **{name: getattr(response, name) for name in COHORT},
                "period": comment_period(response.period_kind, response.period),
                "text": mask_contact_details(text.strip()),
                "released": True,
            }
        )
    if pooled:
        session.execute(insert(PooledComment), pooled)
    return len(pooled)
