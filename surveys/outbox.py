"""The transactional outbox.

Services call :func:`add_event` inside the caller's transaction, so an event
exists exactly when the change it announces was committed. A relay
(:func:`relay_pending`) claims unpublished rows, hands each to ``publish``
(which puts messages on Dramatiq queues), stamps ``published_at`` and commits.

Delivery is at least once: a row whose messages were lost (a worker killed, a
Redis restart, an embedded process stopped) is published again once it has
waited ``redeliver_after`` without every consumer's receipt, and consumers are
idempotent through :func:`claim_receipt`. Rows are deleted (:func:`purge_completed`)
once every consumer of their topic has a receipt, so nothing lingers that names
a response next to a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, delete, event, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from surveys.db.dialect import is_postgres, upsert_insert
from surveys.db.models import OutboxEvent, ProcessedEvent
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.domain.events import Event

#: A row published but not completed after this long is published again.
DEFAULT_REDELIVER_AFTER = timedelta(minutes=2)
#: After this many publications a row is left alone and reported as stuck.
MAX_ATTEMPTS = 10

_commit_listeners: list[Callable[[], None]] = []


_INSERT_EVENT = insert(OutboxEvent).returning(OutboxEvent.id)


def add_event(session: Session | Connection, event_: Event) -> int:
    """Write ``event_`` in the caller's transaction; return the event's id.

    A single INSERT (no unit-of-work flush). On a Session the commit nudges the
    relay by itself; a caller that writes on a bare Connection calls
    :func:`notify_committed` after its commit.
    """
    conn = session.connection() if isinstance(session, Session) else session
    event_id = conn.execute(
        _INSERT_EVENT,
        {
            "topic": event_.topic,
            "payload": event_.payload(),
            "created_at": utcnow(),
            "attempts": 0,
        },
    ).scalar_one()
    if isinstance(session, Session):
        mark_written(session)
    return int(event_id)


def mark_written(session: Session) -> None:
    """Note that this transaction wrote outbox rows, so its commit nudges the relay."""
    session.info["outbox_written"] = True


def on_commit(listener: Callable[[], None]) -> None:
    """Call ``listener`` after any commit that wrote outbox events (a relay nudge).

    The listener runs after the transaction is durable; it must not raise and
    must not touch the session. Losing a nudge costs latency, never an event.
    """
    if listener not in _commit_listeners:
        _commit_listeners.append(listener)


def clear_commit_listeners() -> None:
    _commit_listeners.clear()


def notify_committed() -> None:
    """Nudge the relay: a transaction that wrote outbox events has committed."""
    for listener in list(_commit_listeners):
        try:
            listener()
        except Exception:  # noqa: BLE001 - a lost nudge is recovered by the sweeper
            pass


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("outbox_written", False):
        notify_committed()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("outbox_written", None)


def claim_batch(
    session: Session, limit: int = 200, redeliver_after: timedelta = DEFAULT_REDELIVER_AFTER
) -> list[OutboxEvent]:
    """Lock up to ``limit`` rows due for publication; concurrent relays skip each other's."""
    due = utcnow() - redeliver_after
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.attempts < MAX_ATTEMPTS)
        .where(or_(OutboxEvent.published_at.is_(None), OutboxEvent.published_at <= due))
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Publication:
    id: int
    topic: str
    payload: dict[str, Any]


def relay_pending(
    db: Database,
    publish: Callable[[Publication], None],
    *,
    batch: int = 200,
    redeliver_after: timedelta = DEFAULT_REDELIVER_AFTER,
    max_batches: int = 50,
) -> int:
    """Publish due rows in batches of ``batch``; return how many were published.

    ``publish`` runs before the stamp is committed: if the process dies in
    between, the row is published again later, never lost.
    """
    published = 0
    for _ in range(max_batches):
        with db.transaction() as session:
            rows = claim_batch(session, batch, redeliver_after)
            if not rows:
                break
            for row in rows:
                publish(Publication(row.id, row.topic, dict(row.payload)))
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_([row.id for row in rows]))
                .values(published_at=utcnow(), attempts=OutboxEvent.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            published += len(rows)
        if len(rows) < batch:
            break
    return published


def claim_receipt(session: Session, consumer: str, event_id: int) -> bool:
    """Record that ``consumer`` handled ``event_id``, in the caller's transaction.

    Returns False when the receipt already exists: the event was handled
    before and the caller must skip its effect.
    """
    result = session.execute(
        upsert_insert(session, ProcessedEvent.__table__)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(ProcessedEvent.__table__.c.event_id)
    )
    return result.first() is not None


def _all_receipts(names: list[str]) -> ColumnElement[bool]:
    """True for an outbox row that every one of ``names`` (distinct) has a receipt for."""
    receipts = (
        select(func.count())
        .select_from(ProcessedEvent)
        .where(ProcessedEvent.event_id == OutboxEvent.id, ProcessedEvent.consumer.in_(names))
        .scalar_subquery()
    )
    return receipts == len(names)


def purge_completed(session: Session, consumers_by_topic: Mapping[str, Iterable[str]]) -> int:
    """Delete published rows that every consumer of their topic has a receipt for."""
    purged = 0
    for topic, consumers in consumers_by_topic.items():
        names = sorted(set(consumers))
        published = OutboxEvent.published_at.is_not(None)
        if not names:
            result = session.execute(
                delete(OutboxEvent).where(OutboxEvent.topic == topic, published)
            )
        else:
            result = session.execute(
                delete(OutboxEvent)
                .where(OutboxEvent.topic == topic, published, _all_receipts(names))
                .execution_options(synchronize_session=False)
            )
        purged += int(getattr(result, "rowcount", 0) or 0)
    return purged


@dataclass(frozen=True)
class Backlog:
    unpublished: int
    in_flight: int
    stuck: int
    oldest_unpublished_seconds: float | None


def backlog(session: Session) -> Backlog:
    """What /healthz and `flipside queues` report about the outbox."""
    now = utcnow()
    unpublished = (
        session.scalar(select(func.count()).where(OutboxEvent.published_at.is_(None))) or 0
    )
    in_flight = (
        session.scalar(select(func.count()).where(OutboxEvent.published_at.is_not(None))) or 0
    )
    stuck = session.scalar(select(func.count()).where(OutboxEvent.attempts >= MAX_ATTEMPTS)) or 0
    oldest = session.scalar(
        select(func.min(OutboxEvent.created_at)).where(OutboxEvent.published_at.is_(None))
    )
    age = (now - oldest).total_seconds() if oldest is not None else None
    return Backlog(int(unpublished), int(in_flight), int(stuck), age)
