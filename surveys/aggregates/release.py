"""Batched release: when a group's snapshot advances (see the package docstring)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import (
    event,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from surveys.aggregates.cells import (
    GROUP_FIELDS,
    KEY_COLUMNS,
    RESPONSES,
    CellKey,
    Stats,
    cell_key,
    group_filter,
    lock_for_writers,
)
from surveys.db.models import (
    AggregateCell,
    Firm,
    PooledComment,
    Programme,
    SurveyRound,
)
from surveys.services.plans import freeze_plan

__all__ = [
    "Counter",
    "is_due",
    "min_group_size",
    "move_release_version",
    "release_group",
    "release_round",
    "released",
]


def move_release_version(session: Session, programme_id: int | None = None) -> None:
    """Say that what readers may see of a programme (or, with None, of every one) changed.

    Reports derived from released snapshots are kept under the version
    (surveys/reports/cache.py), so everything that changes those
    snapshots moves it in the same transaction. The versions move just before
    the commit, in programme order, so concurrent aggregators lock the rows in
    one order and cannot deadlock on them.
    """
    moved: set[int | None] = session.info.setdefault(_MOVED, set())
    moved.add(programme_id)


_MOVED = "flipside.release_versions_moved"


@event.listens_for(Session, "before_commit")
def _move_versions(session: Session) -> None:
    moved: set[int | None] | None = session.info.pop(_MOVED, None)
    if not moved:
        return
    bump = update(Programme).values(release_version=Programme.release_version + 1)
    if None in moved:
        session.execute(bump.execution_options(synchronize_session=False))
        return
    for programme_id in sorted(p for p in moved if p is not None):
        session.execute(
            bump.where(Programme.id == programme_id).execution_options(synchronize_session=False)
        )


@event.listens_for(Session, "after_rollback")
def _forget_versions(session: Session) -> None:
    session.info.pop(_MOVED, None)


def release_group(session: Session, group: tuple[Any, ...]) -> None:
    """Advance every cell of a release group to its live values, in one statement."""
    session.flush()
    fields = dict(zip(GROUP_FIELDS, group, strict=True))
    move_release_version(session, fields["programme_id"])
    # The first result released freezes the programme's evaluation plan (dated, UTC day).
    freeze_plan(session, fields["programme_id"], datetime.now(UTC).date())
    session.execute(
        update(AggregateCell)
        .where(group_filter(group))
        .values(
            released_n=AggregateCell.n,
            released_total=AggregateCell.total,
            released_total_sq=AggregateCell.total_sq,
            released_histogram=AggregateCell.histogram,
        )
        .execution_options(synchronize_session=False)
    )
    if fields.pop("period_kind") == "month":
        # The group's comments go out with its cells (see PooledComment).
        session.execute(
            update(PooledComment)
            .where(*(getattr(PooledComment, name) == value for name, value in fields.items()))
            .values(released=True)
            .execution_options(synchronize_session=False)
        )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, AggregateCell | PooledComment) and _group_of(obj) == group:
            session.expire(obj)


def _group_of(obj: AggregateCell | PooledComment) -> tuple[Any, ...]:
    if isinstance(obj, AggregateCell):
        return cell_key(obj).group()
    return tuple("month" if name == "period_kind" else getattr(obj, name) for name in GROUP_FIELDS)


def min_group_size(session: Session, firm_id: int, default_k: int) -> int:
    configured = session.scalar(select(Firm.min_group_size).where(Firm.id == firm_id))
    return configured or default_k


def _round_closed(session: Session, period_kind: str, period: str) -> bool:
    if period_kind != "round":
        return False
    return bool(session.scalar(select(SurveyRound.closed).where(SurveyRound.id == int(period))))


class Counter(Protocol):
    @property
    def n(self) -> int: ...
    @property
    def released_n(self) -> int: ...
    @property
    def period_kind(self) -> str: ...
    @property
    def period(self) -> str: ...


def is_due(
    session: Session, counter: Counter, k: int, batching: bool, closed: bool | None = None
) -> bool:
    """Whether ``counter``'s group is released now: k new responses, or its round closed
    (``closed``; None looks it up) with k in all. Without batching, any new response."""
    if counter.n == counter.released_n:
        return False
    if not batching or counter.n - counter.released_n >= k:
        return True
    if closed is None:
        closed = _round_closed(session, counter.period_kind, counter.period)
    return closed and counter.n >= k


def release_round(session: Session, round_id: int, *, default_k: int) -> int:
    """A round closed: release each of its groups holding at least k responses in total."""
    lock_for_writers(session)
    counters = session.scalars(
        select(AggregateCell)
        .where(
            AggregateCell.period_kind == "round",
            AggregateCell.period == str(round_id),
            AggregateCell.question_key == RESPONSES,
            AggregateCell.item == "",
        )
        .order_by(*KEY_COLUMNS)
        .with_for_update()
    ).all()
    released = 0
    for counter in counters:
        k = min_group_size(session, counter.firm_id, default_k)
        if is_due(session, counter, k, batching=True, closed=True):
            release_group(session, cell_key(counter).group())
            released += 1
    return released


def released(session: Session, key: CellKey) -> Stats:
    """The snapshot readers may see for ``key`` (empty until first released)."""
    cell = session.scalars(
        select(AggregateCell).where(tuple_(*KEY_COLUMNS) == tuple_(*key))
    ).one_or_none()
    if cell is None:
        return Stats()
    return Stats(
        cell.released_n,
        cell.released_total,
        cell.released_total_sq,
        {k: v for k, v in cell.released_histogram.items() if v},
    )
