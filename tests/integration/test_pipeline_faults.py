"""Mixer faults against real Redis, PostgreSQL and `dramatiq` worker processes (issue 13).

Each test runs its own redis-server (so stopping it, or another test run flushing
the shared one, disturbs nobody) and checks the end state the same way: every
sealed submission stored and counted once, the inbox empty, and `verify` finds
no difference from a recomputation. To fault a pass *inside* its transaction the
workers load tests/support/mixer_pause.py, which makes the mixer stop after it
has inserted and counted its batches, before it deletes the sealed rows and
commits, and write a marker file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import func, select

from surveys import aggregates as agg
from surveys.db.models import AggregateCell, Response, SealedSubmission
from surveys.db.session import Database
from tests.support import factories as f
from tests.support.redis_server import RedisServer, start_private_redis
from tests.support.submissions import insert_submissions
from tests.support.worker_processes import WorkerProcesses
from workers.actors.mixing import mix_submissions
from workers.broker import build_broker

pytestmark = pytest.mark.faults

PAUSE = "tests.support.mixer_pause"


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
    target.client.connection_pool.disconnect()  # close() leaves the client's sockets open


@pytest.fixture
def workers(
    redis_server: RedisServer, pg_db: Database, tmp_path: Path
) -> Iterator[WorkerProcesses]:
    procs = WorkerProcesses(redis_server.url, pg_db.url, tmp_path, modules=(PAUSE,))
    yield procs
    procs.stop_all()


def seal_submissions(db: Database, count: int) -> None:
    """``count`` sealed submissions of distinct people in one cohort and week."""
    with db.transaction() as session:
        programme = f.programme(session)
        ids = (programme.firm_id, programme.id)
    for start in range(0, count, 500):
        with db.transaction() as session:
            insert_submissions(
                session, *ids, min(500, count - start), answers={"useful": 4, "topics": ["a"]}
            )


def rows(db: Database, table: type) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def counted(db: Database) -> int:
    """Responses in the week cells (every test's submissions share one week)."""
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


def wait_for(predicate: Callable[[], bool], seconds: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def send_mix(broker: RedisBroker) -> None:
    broker.enqueue(mix_submissions.message())


def assert_exactly_once(db: Database, expected: int, workers: WorkerProcesses) -> None:
    assert rows(db, SealedSubmission) == 0, workers.logs()
    assert rows(db, Response) == expected, workers.logs()
    assert counted(db) == expected, workers.logs()
    with db.sessions() as session:
        assert agg.verify(session) == []


def test_the_same_mix_message_delivered_twice_releases_once(
    pg_db: Database, broker: RedisBroker, workers: WorkerProcesses
) -> None:
    seal_submissions(pg_db, 300)
    message = mix_submissions.message()
    broker.enqueue(message)
    broker.enqueue(message)  # delivered twice: the second pass finds an empty inbox
    workers.start()
    assert wait_for(lambda: rows(pg_db, SealedSubmission) == 0, 90), workers.logs()
    broker.join("aggregation", timeout=60_000)  # the duplicate was consumed too
    assert_exactly_once(pg_db, 300, workers)


def test_a_mixer_killed_mid_batch_loses_nothing_and_counts_nothing_twice(
    pg_db: Database, broker: RedisBroker, workers: WorkerProcesses, tmp_path: Path
) -> None:
    seal_submissions(pg_db, 1000)
    marker = tmp_path / "mixing"
    first = workers.start(FLIPSIDE_TEST_MIX_PAUSE_FILE=str(marker))
    send_mix(broker)
    # The pass has inserted and counted 1000 responses in its open transaction.
    assert wait_for(marker.exists, 90, every=0.05), workers.logs()
    assert marker.read_text() == "1000"
    workers.kill(first)  # SIGKILL: no rollback by the worker, no ack to Redis
    assert rows(pg_db, SealedSubmission) == 1000  # the server rolled the pass back
    assert rows(pg_db, Response) == 0 and counted(pg_db) == 0
    workers.start()  # no pause this time
    send_mix(broker)  # the clock's next pass
    assert wait_for(lambda: rows(pg_db, SealedSubmission) == 0, 90), workers.logs()
    assert_exactly_once(pg_db, 1000, workers)


def test_redis_restarted_during_a_mix_loses_and_doubles_nothing(
    pg_db: Database,
    redis_server: RedisServer,
    broker: RedisBroker,
    workers: WorkerProcesses,
    tmp_path: Path,
) -> None:
    seal_submissions(pg_db, 200)
    marker = tmp_path / "mixing"
    workers.start(FLIPSIDE_TEST_MIX_PAUSE_FILE=str(marker), FLIPSIDE_TEST_MIX_PAUSE_SECONDS="3")
    send_mix(broker)
    assert wait_for(marker.exists, 90, every=0.05), workers.logs()
    redis_server.stop()  # mid-pass: the pass commits to PostgreSQL, its ack is lost
    seal_submissions(pg_db, 100)  # submissions keep being accepted meanwhile
    assert wait_for(lambda: rows(pg_db, Response) == 200, 30), workers.logs()
    redis_server.start()  # empty: whatever it held is gone
    marker.unlink()
    send_mix(broker)  # the clock's next pass, once Redis is back
    assert wait_for(lambda: rows(pg_db, SealedSubmission) == 0, 120), workers.logs()
    assert_exactly_once(pg_db, 300, workers)
