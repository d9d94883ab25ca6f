"""Counting responses into cells, exactly once, in batches, safe under concurrency."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    exists,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.aggregates.cells import (
    CONSUMER,
    KEY_COLUMNS,
    RESPONSES,
    CellKey,
    Stats,
    contributions,
    lock_for_writers,
)
from surveys.aggregates.comments import pool_comments
from surveys.aggregates.release import is_due, min_group_size, move_release_version, release_group
from surveys.db.dialect import is_postgres, upsert_insert
from surveys.db.models import (
    AggregateCell,
    Answer,
    OutboxEvent,
    ProcessedEvent,
    Response,
)
from surveys.domain.events import ResponseSubmitted


@dataclass(frozen=True)
class CellCount:
    key: CellKey
    n: int
    released_n: int

    @property
    def period_kind(self) -> str:
        return self.key.period_kind

    @property
    def period(self) -> str:
        return self.key.period


# Sum two {"value": count} objects in SQL: the stored cell's and the new row's.
_MERGE_HISTOGRAMS_PG = (
    "(SELECT coalesce(json_object_agg(k, s), '{{}}'::json) FROM ("
    "SELECT k, sum(v::bigint) AS s FROM ("
    "SELECT key AS k, value AS v FROM json_each_text(aggregate_cells.{column}) UNION ALL "
    "SELECT key, value FROM json_each_text(excluded.{column})) AS parts GROUP BY k) AS sums)"
)
_MERGE_HISTOGRAMS_SQLITE = (
    "(SELECT coalesce(json_group_object(k, s), '{{}}') FROM ("
    "SELECT key AS k, sum(value) AS s FROM ("
    "SELECT key, value FROM json_each(aggregate_cells.{column}) UNION ALL "
    "SELECT key, value FROM json_each(excluded.{column})) GROUP BY key))"
)


def _add_to_cells(
    session: Session, adds: Mapping[CellKey, Stats], release: bool
) -> list[CellCount]:
    """Add ``adds`` to their cells in one upsert (``release``: to the snapshots as well).

    Rows go in key order, so concurrent writers lock cells in one order: every
    responses cell (question '') before any question cell. Each cell is one
    ``INSERT ... ON CONFLICT DO UPDATE`` whose increments happen in SQL under
    the row's lock, so no count is lost between concurrent writers. Returns
    the counts of the responses cells written.
    """
    table = AggregateCell.__table__
    stmt = upsert_insert(session, table)
    merge = _MERGE_HISTOGRAMS_PG if is_postgres(session) else _MERGE_HISTOGRAMS_SQLITE
    live = {
        "n": table.c.n + stmt.excluded.n,
        "total": table.c.total + stmt.excluded.total,
        "total_sq": table.c.total_sq + stmt.excluded.total_sq,
        "histogram": literal_column(merge.format(column="histogram"), JSON),
    }
    updates = dict(live)
    if release:
        updates.update({"released_" + name: value for name, value in live.items()})
    rows = []
    for key, stats in sorted(adds.items()):
        values: dict[str, Any] = {"n": stats.n, "total": stats.total, "total_sq": stats.total_sq}
        values["histogram"] = dict(stats.histogram)
        snapshot = values if release else {"n": 0, "total": 0, "total_sq": 0, "histogram": {}}
        rows.append(
            {**key._asdict(), **values, **{"released_" + k: v for k, v in snapshot.items()}}
        )
    written = session.execute(
        stmt.on_conflict_do_update(
            index_elements=[c.key for c in KEY_COLUMNS], set_=updates
        ).returning(*(table.c[c.key] for c in KEY_COLUMNS), table.c.n, table.c.released_n),
        rows,
    )
    return [
        CellCount(CellKey._make(row[: len(KEY_COLUMNS)]), row.n, row.released_n)
        for row in written
        if row.question_key == RESPONSES
    ]


def apply_responses(
    session: Session, response_ids: Iterable[uuid.UUID], *, default_k: int, batching: bool = True
) -> int:
    """Add responses to their cells (one upsert) and release the groups that are due.

    Not idempotent by itself: call it through :func:`record_submission`, which
    stores the receipts in the same transaction. Responses that no longer
    exist (erased after submission) are skipped; returns how many were added.
    """
    ids = list(response_ids)
    responses = {r.id: r for r in session.scalars(select(Response).where(Response.id.in_(ids)))}
    if not responses:
        return 0
    answered: dict[uuid.UUID, list[Any]] = {rid: [] for rid in responses}
    rows = session.execute(
        select(Answer.response_id, Answer.question_key, Answer.item, Answer.value).where(
            Answer.response_id.in_(list(responses))
        )
    )
    for row in rows:
        answered[row.response_id].append(row)
    pool_comments(session, responses, released=not batching)
    adds: dict[CellKey, Stats] = {}
    for rid, response in responses.items():
        for key, stats in contributions(response, answered[rid]).items():
            adds.setdefault(key, Stats()).add(stats)
    k = {
        firm: min_group_size(session, firm, default_k)
        for firm in {r.firm_id for r in responses.values()}
    }
    for counter in _add_to_cells(session, adds, release=not batching):
        if is_due(session, counter, k[counter.key.firm_id], batching):
            release_group(session, counter.key.group())
    if not batching:  # every answer went out with its cells: their readers must look again
        for programme_id in sorted({r.programme_id for r in responses.values()}):
            move_release_version(session, programme_id)
    return len(responses)


def _lock_pending(session: Session, limit: int) -> list[tuple[int, uuid.UUID]]:
    """Lock up to ``limit`` unhandled response.submitted events not locked by others."""
    if limit < 1:
        return []
    handled = exists().where(
        ProcessedEvent.consumer == CONSUMER, ProcessedEvent.event_id == OutboxEvent.id
    )
    rows = session.execute(
        select(OutboxEvent.id, OutboxEvent.payload)
        .where(OutboxEvent.topic == ResponseSubmitted.topic, ~handled)
        .order_by(OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return [(event_id, uuid.UUID(payload["response_id"])) for event_id, payload in rows]


def _claim(session: Session, events: list[tuple[int, uuid.UUID]]) -> dict[int, uuid.UUID]:
    """Insert receipts for ``events``; return those whose receipt is new (ours to handle)."""
    if not events:
        return {}
    table = ProcessedEvent.__table__
    claimed = set(
        session.scalars(
            upsert_insert(session, table)
            .on_conflict_do_nothing()
            .returning(table.c.event_id, sort_by_parameter_order=True),
            [{"consumer": CONSUMER, "event_id": event_id} for event_id, _ in events],
        )
    )
    return {event_id: rid for event_id, rid in events if event_id in claimed}


def _prepare_writes(session: Session) -> None:
    lock_for_writers(session)
    if is_postgres(session):
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def record_submission(
    session: Session,
    event_id: int,
    response_id: uuid.UUID,
    *,
    default_k: int,
    batching: bool,
    batch: int = 200,
    consumers: Iterable[str] = (CONSUMER,),
) -> bool:
    """Handle one ``response.submitted`` event exactly once; False if it was handled before.

    Every call also takes up to ``batch`` other unhandled events from the
    outbox (rows locked by another consumer are skipped), so under load the
    cells are written once per batch rather than once per response, and a
    message whose event a batch already handled still moves the backlog on.
    Receipts and increments commit together, whatever the batch. Handled
    rows that every one of ``consumers`` (the topic's consumers) has a receipt
    for are deleted in the same transaction.

    On PostgreSQL the transaction commits without waiting for its WAL flush:
    cells and receipts are lost or kept together, and the outbox row that
    would redeliver an event is only purged by a durable commit (a later
    commit flushes this one first).
    """
    seen = select(ProcessedEvent.event_id).where(
        ProcessedEvent.consumer == CONSUMER, ProcessedEvent.event_id == event_id
    )
    own = session.scalar(seen) is None
    if own:
        _prepare_writes(session)  # receipts are only written after the rebuild guard
        if is_postgres(session):  # wait for whoever holds this event (a batch, the relay)
            session.execute(
                select(OutboxEvent.id).where(OutboxEvent.id == event_id).with_for_update()
            )
        own = outbox.claim_receipt(session, CONSUMER, event_id)
        others = _lock_pending(session, batch - 1 if own else batch)
    else:
        others = _lock_pending(session, batch)
        if not others:
            return False  # a duplicate, and nothing else waiting: the cheap path
        _prepare_writes(session)
    handled = _claim(session, others)
    if own:
        handled[event_id] = response_id
    if handled:
        apply_responses(session, handled.values(), default_k=default_k, batching=batching)
        outbox.purge_handled(session, handled, consumers)
    return own
