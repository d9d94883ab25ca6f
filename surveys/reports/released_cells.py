"""The aggregate cells a reader may see, decided once for every channel.

The API lists cells; the dashboard adds cells up. If a page summed cells the
API withholds, the page's total minus the API's cells would give the withheld
ones away (a cohort-month of two responses, or a month refused beside its
weeks). So every reader starts from :func:`disclosed_cells`, and pages only
add up cells that are shown here: a page total is then a sum of visible cells
and tells nothing new. Surveys that run in rounds (the climate survey) are
listed per round only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.models import AggregateCell, SurveyRound
from surveys.domain.vocab import CELL_KEY, COHORT

#: A series: one question (or responses count) of one cohort, over its periods.
SERIES_FIELDS = (*CELL_KEY[:4], *COHORT)


@dataclass(frozen=True, slots=True)
class ReleasedCellView:
    """An aggregate cell as readers get it: its key and released snapshot, no live counters.

    Plain values rather than ORM objects: a page reads tens of thousands of cells,
    and none of them is ever written back. Spelled out for the type checker: the
    fields are ``id``, :data:`~surveys.domain.vocab.CELL_KEY` and the snapshot columns
    (a unit test holds them equal).
    """

    id: int
    survey_key: str
    survey_version: int
    question_key: str
    item: str
    firm_id: int
    programme_id: int
    role: str
    level_band: str
    tenure_band: str
    gender_group: str
    period_kind: str
    period: str
    released_n: int
    released_total: int
    released_total_sq: int
    released_histogram: dict[str, int]


_VIEW_COLUMNS = tuple(getattr(AggregateCell, name) for name in ReleasedCellView.__slots__)


_series_key = attrgetter(*SERIES_FIELDS)


def series_of(cell: ReleasedCellView) -> tuple[object, ...]:
    key: tuple[object, ...] = _series_key(cell)
    return key


def disclosed_cells(
    session: Session,
    programme_id: int,
    policy: disclosure.Policy,
    *,
    survey_key: str | None = None,
    question_key: str | None = None,
) -> Sequence[ReleasedCellView]:
    """The released cells of a programme that disclosure control lets through, by id.

    Cells released with fewer than k responses are left out in SQL: they are
    suppressed, and a suppressed cell never enters the differencing ledger, so
    leaving them out changes no decision.
    """
    query = (
        select(*_VIEW_COLUMNS)
        .where(
            AggregateCell.programme_id == programme_id,
            AggregateCell.released_n >= max(policy.k, 1),
        )
        .order_by(AggregateCell.id)
    )
    if survey_key is not None:
        query = query.where(AggregateCell.survey_key == survey_key)
    if question_key is not None:
        query = query.where(AggregateCell.question_key == question_key)
    # A survey that runs in rounds is shown per round only: its weeks and months,
    # released at other times, could be differenced against the round.
    in_rounds = set(
        session.scalars(
            select(SurveyRound.survey_key).where(SurveyRound.programme_id == programme_id)
        )
    )
    cells = [
        ReleasedCellView(*row)
        for row in session.execute(query)
        if row.survey_key not in in_rounds or row.period_kind == "round"
    ]
    decided = disclosure.released_series(cells, series_of, policy)
    return [cell for cell, result in decided if result.shown]
