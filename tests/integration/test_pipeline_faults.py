"""Faults against real Redis, PostgreSQL and `dramatiq` worker processes (PRODUCT.md 4).

Each test runs its own redis-server (so stopping it, or another test run flushing
the shared one, disturbs nobody) and checks the end state the same way: every
response counted once, and `verify` finds no difference from a recomputation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import func, select

from surveys import aggregates as agg
from surveys import outbox
from surveys.db.models import AggregateCell, OutboxEvent, ProcessedEvent
from surveys.db.session import Database
from tests.support import factories as f
from tests.support.redis_server import RedisServer, start_private_redis
from tests.support.submissions import submit
from tests.support.worker_processes import WorkerProcesses
from workers.actors.relay import make_publisher
from workers.actors.routing import consumers_by_topic
from workers.broker import build_broker

pytestmark = pytest.mark.faults


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = start_private_redis(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker(redis_server: RedisServer) -> Iterator[RedisBroker]:
    target = build_broker(redis_server.url)
    assert isinstance(target, RedisBroker)
    yield target
    target.close()


@pytest.fixture
def workers(
    redis_server: RedisServer, pg_db: Database, tmp_path: Path
) -> Iterator[WorkerProcesses]:
    procs = WorkerProcesses(redis_server.url, pg_db.url, tmp_path)
    yield procs
    procs.stop_all()


def commit_submissions(db: Database, count: int, per_transaction: int = 100) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        ids = (programme.firm_id, programme.id)
    for start in range(0, count, per_transaction):
        with db.transaction() as session:
            for i in range(start, min(count, start + per_transaction)):
                submit(session, ids, answers={"useful": 1 + i % 5, "topics": ["clients"]})


def handled(db: Database) -> int:
    with db.sessions() as session:
        return int(
            session.scalar(select(func.count()).where(ProcessedEvent.consumer == agg.CONSUMER)) or 0
        )


def counted(db: Database) -> int:
    """Responses in the week cells (every test's responses share one week)."""
    with db.sessions() as session:
        return int(
            session.scalar(
                select(func.sum(AggregateCell.n)).where(
                    AggregateCell.question_key == agg.RESPONSES,
                    AggregateCell.period_kind == "week",
                )
            )
            or 0
        )


def wait_for(
    predicate: Callable[[], bool],
    seconds: float,
    tick: Callable[[], object] | None = None,
    every: float = 0.2,
) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if tick is not None:
            tick()
        if predicate():
            return True
        time.sleep(every)
    return False


def assert_exactly_once(db: Database, expected: int, workers: WorkerProcesses) -> None:
    assert counted(db) == expected, workers.logs()
    with db.sessions() as session:
        assert agg.verify(session) == []


def redeliver(db: Database, broker: RedisBroker, after: timedelta) -> Callable[[], object]:
    """What the clock's outbox sweep does, with a short redelivery delay."""

    def sweep() -> None:
        with db.transaction() as session:
            outbox.purge_completed(session, consumers_by_topic())
        outbox.relay_pending(db, make_publisher(broker), redeliver_after=after)

    return sweep


def test_every_event_delivered_twice_counts_once(
    pg_db: Database, broker: RedisBroker, workers: WorkerProcesses
) -> None:
    commit_submissions(pg_db, 300)
    publish = make_publisher(broker)
    with pg_db.sessions() as session:
        rows = [
            outbox.Publication(r.id, r.topic, dict(r.payload))
            for r in session.scalars(select(OutboxEvent))
        ]
    for row in rows:
        publish(row)
        publish(row)
    workers.start()
    assert wait_for(lambda: handled(pg_db) == 300, 90), workers.logs()
    broker.join("aggregation", timeout=60_000)  # the duplicates were consumed too
    assert_exactly_once(pg_db, 300, workers)


def test_a_worker_killed_mid_batch_loses_nothing_and_counts_nothing_twice(
    pg_db: Database, broker: RedisBroker, workers: WorkerProcesses
) -> None:
    commit_submissions(pg_db, 1000)
    assert outbox.relay_pending(pg_db, make_publisher(broker)) == 1000
    first = workers.start()
    # Kill at the first sign of progress: the worker takes events in batches.
    assert wait_for(lambda: handled(pg_db) > 0, 90, every=0.01), workers.logs()
    workers.kill(first)
    at_kill = handled(pg_db)
    assert at_kill < 1000, "the batch finished before the kill; the test proved nothing"
    workers.start()
    # Messages the dead worker had taken are redelivered from the outbox by the sweep.
    sweep = redeliver(pg_db, broker, after=timedelta(seconds=5))
    assert wait_for(lambda: handled(pg_db) == 1000, 180, tick=sweep), workers.logs()
    assert_exactly_once(pg_db, 1000, workers)


def test_submissions_accepted_while_redis_is_down_all_reach_the_aggregates(
    pg_db: Database, redis_server: RedisServer, broker: RedisBroker, workers: WorkerProcesses
) -> None:
    from workers.actors.relay import relay_outbox
    from workers.runtime import Nudger

    outbox.on_commit(Nudger(lambda: broker.enqueue(relay_outbox.message())))  # as the web does
    try:
        workers.start()
        commit_submissions(pg_db, 50, per_transaction=1)
        assert wait_for(lambda: handled(pg_db) == 50, 60), workers.logs()
        redis_server.stop()
        commit_submissions(pg_db, 100, per_transaction=1)  # every commit succeeds
        with pg_db.sessions() as session:
            assert outbox.backlog(session).unpublished == 100
        redis_server.start()  # empty: whatever it held is gone
        sweep = redeliver(pg_db, broker, after=timedelta(seconds=5))
        assert wait_for(lambda: handled(pg_db) == 150, 120, tick=sweep), workers.logs()
    finally:
        outbox.clear_commit_listeners()
    assert_exactly_once(pg_db, 150, workers)
