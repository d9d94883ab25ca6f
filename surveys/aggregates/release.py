"""Release: a group's snapshots advance to its live values; readers' versions move."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
    CellKey,
    Stats,
    cell_key,
    group_filter,
)
from surveys.db.models import (
    AggregateCell,
    Firm,
    PooledComment,
    Programme,
)
from surveys.services.plans import freeze_plan

__all__ = [
    "min_group_size",
    "move_release_version",
    "release_group",
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
