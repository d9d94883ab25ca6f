"""Cell keys and what a response adds to its cells (no database writes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from sqlalchemy import (
    and_,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from surveys.db.dialect import is_postgres
from surveys.db.models import (
    AggregateCell,
    Response,
)
from surveys.domain.vocab import CELL_KEY, COHORT

__all__ = [
    "GROUP_FIELDS",
    "KEY_COLUMNS",
    "RESPONSES",
    "AnswerLike",
    "CellKey",
    "Stats",
    "answer_stats",
    "cell_key",
    "contributions",
    "group_filter",
    "lock_for_writers",
    "periods",
]
from surveys.domain.periods import month_of_week

#: question_key of the cell that counts a cohort's responses in a period.
RESPONSES = ""
#: The key of a release group: a cell's key without its question and option.
GROUP_FIELDS = tuple(name for name in CELL_KEY if name not in ("question_key", "item"))


class CellKey(NamedTuple):
    """The unique key of an aggregate cell, in the order of its unique constraint.

    Spelled out for the type checker; the fields are :data:`~surveys.domain.vocab.CELL_KEY`
    (a unit test holds them equal).
    """

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

    def group(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in GROUP_FIELDS)

    def __str__(self) -> str:
        question = self.question_key or "(responses)"
        item = f"[{self.item}]" if self.item else ""
        cohort = "/".join(getattr(self, name) for name in COHORT)
        return (
            f"{self.survey_key} v{self.survey_version} {question}{item} firm {self.firm_id} "
            f"programme {self.programme_id} {cohort} {self.period_kind} {self.period}"
        )


KEY_COLUMNS = tuple(getattr(AggregateCell, name) for name in CELL_KEY)


@dataclass
class Stats:
    """What a cell holds: n, sum, sum of squares and the value histogram."""

    n: int = 0
    total: int = 0
    total_sq: int = 0
    histogram: dict[str, int] = field(default_factory=dict)

    def add(self, other: Stats, sign: int = 1) -> None:
        self.n += sign * other.n
        self.total += sign * other.total
        self.total_sq += sign * other.total_sq
        for value, count in other.histogram.items():
            merged = self.histogram.get(value, 0) + sign * count
            if merged:
                self.histogram[value] = merged
            else:
                self.histogram.pop(value, None)

    @classmethod
    def of_value(cls, value: int, count: int = 1) -> Stats:
        return cls(count, value * count, value * value * count, {str(value): count})

    @classmethod
    def of_cell(cls, cell: AggregateCell) -> Stats:
        return cls(
            cell.n, cell.total, cell.total_sq, {k: v for k, v in cell.histogram.items() if v}
        )


def periods(period_kind: str, period: str) -> list[tuple[str, str]]:
    """The periods a response stored under ``period_kind``/``period`` counts in.

    A week's response counts in its week and in the week's month; a response
    whose batch was merged up to a month counts in the month only; a climate
    response counts in its round only (it has no date).
    """
    if period_kind == "week":
        return [("week", period), ("month", month_of_week(period))]
    return [(period_kind, period)]


def answer_stats(value: int | None, item: str, count: int = 1) -> Stats | None:
    """What ``count`` answers of ``value`` (or option ``item``) add to a cell; None: free text."""
    if value is not None:
        return Stats.of_value(value, count)
    if item:
        return Stats.of_value(1, count)
    return None  # free text


class ResponseLike(Protocol):
    survey_key: str
    survey_version: int
    firm_id: int
    programme_id: int
    role: str
    level_band: str
    tenure_band: str
    gender_group: str
    period_kind: str
    period: str


class AnswerLike(Protocol):
    question_key: str
    item: str
    value: int | None


def contributions(
    response: Response | ResponseLike, answers: Iterable[AnswerLike]
) -> dict[CellKey, Stats]:
    """The cells one response adds to, and what it adds to each."""
    found: dict[CellKey, Stats] = {}
    answered = [(a.question_key, a.item, answer_stats(a.value, a.item)) for a in answers]
    for kind, period in periods(response.period_kind, response.period):
        cohort = (
            response.firm_id,
            response.programme_id,
            *(getattr(response, name) for name in COHORT),
            kind,
            period,
        )
        head = (response.survey_key, response.survey_version)
        found[CellKey._make((*head, RESPONSES, "", *cohort))] = Stats(n=1)
        for question, item, stats in answered:
            if stats is not None:
                found[CellKey._make((*head, question, item, *cohort))] = stats
    return found


def cell_key(cell: AggregateCell) -> CellKey:
    """The key of a stored cell."""
    return CellKey(*(getattr(cell, name) for name in CellKey._fields))


def group_filter(group: tuple[Any, ...]) -> ColumnElement[bool]:
    """The cells of one release group (values in the order of :data:`GROUP_FIELDS`)."""
    return and_(
        *(
            getattr(AggregateCell, name) == value
            for name, value in zip(GROUP_FIELDS, group, strict=True)
        )
    )


def lock_for_writers(session: Session) -> None:
    """Writers take a lock that :func:`~surveys.aggregates.rebuild` waits for (and that
    waits for a rebuild)."""
    if is_postgres(session):
        session.execute(text("LOCK TABLE aggregate_cells IN ROW EXCLUSIVE MODE"))
