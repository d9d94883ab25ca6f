"""Cells against the raw responses: recompute, verify, rebuild."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    exists,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from surveys.aggregates.cells import (
    CONSUMER,
    GROUP_FIELDS,
    KEY_COLUMNS,
    RESPONSES,
    CellKey,
    Stats,
    answer_stats,
    cell_key,
    contributions,
    group_filter,
    periods,
)
from surveys.aggregates.comments import pool_comments
from surveys.aggregates.release import is_due, min_group_size, move_release_version, release_group
from surveys.db.dialect import is_postgres
from surveys.db.models import (
    AggregateCell,
    Answer,
    OutboxEvent,
    ProcessedEvent,
    Response,
)
from surveys.domain.events import ResponseSubmitted


def _period_filter(kind: str, period: str) -> ColumnElement[bool]:
    if kind == "round":
        return Response.round_id == int(period)
    if kind == "week":
        iso_year, iso_week = period.split("-W")
        start = date.fromisocalendar(int(iso_year), int(iso_week), 1)
        end = date.fromordinal(start.toordinal() + 7)
    else:
        year, month = (int(part) for part in period.split("-"))
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
    return and_(Response.submitted_on >= start, Response.submitted_on < end)


#: A release group's fields that a response carries: its survey version and cohort.
_COHORT_FIELDS = GROUP_FIELDS[: GROUP_FIELDS.index("period_kind")]
_COHORT = tuple(getattr(Response, name) for name in _COHORT_FIELDS)


def recompute(
    session: Session, *where: ColumnElement[bool], only: CellKey | None = None
) -> dict[CellKey, Stats]:
    """Every cell as the raw responses say it should be (grouped in SQL, by day and value)."""
    if only is not None:
        head = [getattr(Response, name) == getattr(only, name) for name in _COHORT_FIELDS]
        where = (*where, *head, _period_filter(only.period_kind, only.period))
    found: dict[CellKey, Stats] = {}

    def add(row: Any, question: str, item: str, stats: Stats) -> None:
        survey, version, *cohort, day, round_id = row[:10]
        for kind, period in periods(day, round_id):
            key = CellKey._make((survey, version, question, item, *cohort, kind, period))
            found.setdefault(key, Stats()).add(stats)

    day_cols = (*_COHORT, Response.submitted_on, Response.round_id)
    answer_cols = (*day_cols, Answer.question_key, Answer.item, Answer.value)
    answers = (
        select(*answer_cols, func.count().label("hits"))
        .join(Answer, Answer.response_id == Response.id)
        .where(Answer.text.is_(None), *where)
        .group_by(*answer_cols)
    )
    if only is not None:
        answers = answers.where(Answer.question_key == only.question_key, Answer.item == only.item)
    for row in session.execute(answers):
        stats = answer_stats(row.value, row.item, int(row.hits))
        if stats is not None:
            add(row, row.question_key, row.item, stats)
    if only is None or only.question_key == RESPONSES:
        counts = select(*day_cols, func.count().label("hits")).where(*where).group_by(*day_cols)
        for row in session.execute(counts):
            add(row, RESPONSES, "", Stats(n=int(row.hits)))
    if only is not None:
        return {only: found[only]} if only in found else {}
    return found


def recompute_cell(session: Session, key: CellKey) -> Stats:
    """One cell from the raw rows."""
    return recompute(session, only=key).get(key, Stats())


def _pending(session: Session) -> dict[int, uuid.UUID]:
    """response.submitted events not yet handled by this consumer: event id -> response id."""
    handled = exists().where(
        ProcessedEvent.consumer == CONSUMER, ProcessedEvent.event_id == OutboxEvent.id
    )
    rows = session.execute(
        select(OutboxEvent.id, OutboxEvent.payload).where(
            OutboxEvent.topic == ResponseSubmitted.topic, ~handled
        )
    )
    return {event_id: uuid.UUID(payload["response_id"]) for event_id, payload in rows}


@dataclass(frozen=True)
class Difference:
    key: CellKey
    stored: Stats | None
    expected: Stats | None

    def __str__(self) -> str:
        if self.stored is None:
            return (
                f"missing cell: {self.key} (expected n={self.expected.n if self.expected else 0})"
            )
        if self.expected is None:
            return f"extra cell: {self.key} (stored n={self.stored.n})"
        return f"differs: {self.key}: stored {self.stored} expected {self.expected}"


def _snapshot(session: Session) -> None:
    """Read everything below from one snapshot (PostgreSQL; SQLite's transactions already are)."""
    if is_postgres(session) and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def verify(session: Session) -> list[Difference]:
    """Compare every stored cell with a recomputation from raw responses.

    Responses whose ``response.submitted`` event is still waiting for this
    consumer are left out of the recomputation: the pipeline has not counted
    them yet, which is not a difference. Call it on a fresh session.
    """
    _snapshot(session)
    expected = recompute(session)
    pending = set(_pending(session).values())
    for response in session.scalars(select(Response).where(Response.id.in_(pending))):
        answers = session.scalars(select(Answer).where(Answer.response_id == response.id))
        for key, stats in contributions(response, answers).items():
            expected.setdefault(key, Stats()).add(stats, sign=-1)
    expected = {key: stats for key, stats in expected.items() if stats.n}
    stored = {
        cell_key(cell): Stats.of_cell(cell) for cell in session.scalars(select(AggregateCell))
    }
    differences = []
    for key in sorted(set(expected) | set(stored)):
        have, want = stored.get(key), expected.get(key)
        if have is not None and want is None and have.n == 0:
            continue  # an empty cell (created, then its only response erased)
        if have != want:
            differences.append(Difference(key, have, want))
    return differences


@dataclass(frozen=True)
class RebuildReport:
    cells: int
    removed: int
    pending_absorbed: int
    groups_released: int


def rebuild(session: Session, *, default_k: int, batching: bool = True) -> RebuildReport:
    """Restore every cell from the raw responses, in the caller's transaction.

    Live values are replaced by the recomputation; released snapshots are kept
    (a group whose responses shrank below its snapshot, e.g. after an erasure,
    loses its snapshot) and then released by the usual rule. Events still
    pending for this consumer are counted by the rebuild and receive their
    receipts, so their later delivery is a no-op.
    """
    if is_postgres(session):
        session.execute(text("LOCK TABLE aggregate_cells IN EXCLUSIVE MODE"))
    expected = recompute(session)
    stored = {cell_key(cell): cell for cell in session.scalars(select(AggregateCell))}
    removed = [stored[key].id for key in stored.keys() - expected.keys()]
    if removed:
        session.execute(delete(AggregateCell).where(AggregateCell.id.in_(removed)))
    shrunk: set[tuple[Any, ...]] = set()
    for key, stats in expected.items():
        cell = stored.get(key)
        if cell is None:
            cell = AggregateCell(**key._asdict(), released_n=0, released_total=0)
            cell.released_total_sq, cell.released_histogram = 0, {}
            session.add(cell)
        cell.n, cell.total, cell.total_sq = stats.n, stats.total, stats.total_sq
        cell.histogram = dict(stats.histogram)
        if cell.released_n > cell.n:
            shrunk.add(key.group())
    for group in shrunk:
        session.flush()
        session.execute(
            update(AggregateCell)
            .where(group_filter(group))
            .values(released_n=0, released_total=0, released_total_sq=0, released_histogram={})
            .execution_options(synchronize_session=False)
        )
    move_release_version(session)  # every programme's readers must look again
    pending = _pending(session)
    if pending:
        session.execute(
            insert(ProcessedEvent), [{"consumer": CONSUMER, "event_id": e} for e in pending]
        )
        # Their comments were never pooled: pool them now, to go out with their batch.
        pool_comments(session, pending.values(), released=not batching)
    session.flush()
    released = 0
    for key in sorted(k for k in expected if k.question_key == RESPONSES):
        counter = (
            stored.get(key)
            or session.scalars(
                select(AggregateCell).where(tuple_(*KEY_COLUMNS) == tuple_(*key))
            ).one()
        )
        session.refresh(counter)
        if is_due(session, counter, min_group_size(session, key.firm_id, default_k), batching):
            release_group(session, key.group())
            released += 1
    return RebuildReport(len(expected), len(removed), len(pending), released)
