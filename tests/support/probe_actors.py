"""A consumer used by the pipeline tests, in this process and in real `dramatiq` workers.

Its effect is counted in an aggregate cell in the same transaction as its receipt,
so a duplicate delivery that slipped past idempotency would show as a double count.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import workers  # noqa: F401  (broker first)
from surveys import outbox
from surveys.db.models import AggregateCell
from workers import runtime

PROBE = "probe"


def probe_count(session: Any) -> int:
    cell = session.scalar(select(AggregateCell).where(AggregateCell.survey_key == PROBE))
    return 0 if cell is None else int(cell.n)


@dramatiq.actor(queue_name=PROBE, max_retries=3, time_limit=30_000, min_backoff=100)
def probe(event_id: int, **payload: Any) -> None:
    with runtime.db().transaction() as session:
        if not outbox.claim_receipt(session, PROBE, event_id):
            return
        _ensure_cell(session)
        cell = session.scalars(
            select(AggregateCell).where(AggregateCell.survey_key == PROBE).with_for_update()
        ).one()
        cell.n += 1


def _ensure_cell(session: Any) -> None:
    """Create the probe's cell once, even when two deliveries race to create it."""
    if session.scalar(select(AggregateCell.id).where(AggregateCell.survey_key == PROBE)):
        return
    try:
        with session.begin_nested():
            session.add(
                AggregateCell(
                    survey_key=PROBE,
                    survey_version=1,
                    question_key="events",
                    item="",
                    firm_id=0,
                    programme_id=0,
                    role="mentor",
                    level_band="junior",
                    tenure_band="<2y",
                    gender_group="woman",
                    period_kind="round",
                    period="0",
                    n=0,
                    total=0,
                    total_sq=0,
                    histogram={},
                    released_n=0,
                    released_total=0,
                    released_total_sq=0,
                    released_histogram={},
                )
            )
    except IntegrityError:
        pass
