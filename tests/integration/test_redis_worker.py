"""The outbox relayed through real Redis to a real `dramatiq` worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import redis
from dramatiq.brokers.redis import RedisBroker

from surveys import outbox
from surveys.db.session import Database
from surveys.services.meetings import record_meeting
from tests.support import factories as f
from tests.support.probe_actors import probe, probe_count
from tests.support.services import REDIS_URL, need
from workers.actors.relay import make_publisher
from workers.actors.routing import ROUTES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_url() -> str:
    need("Redis", REDIS_URL, 6379)
    return REDIS_URL


NAMESPACE = f"flipside-test-{uuid.uuid4().hex[:8]}"  # never collides with other runs


@pytest.fixture
def worker_process(
    redis_url: str, pg_db: Database
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "DATABASE_URL": pg_db.url,
            "SECRET_KEY": "w" * 40,
            "FLIPSIDE_QUEUE_NAMESPACE": NAMESPACE,
            "PYTHONPATH": str(ROOT),
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dramatiq",
                "tests.support.probe_actors",
                "--processes",
                "1",
                "--threads",
                "2",
                "--queues",
                "probe",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        if proc.stderr is not None:
            proc.stderr.close()
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{NAMESPACE}*"):
        client.delete(key)
    client.close()


def wait_for(predicate: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_committed_event_reaches_a_real_worker_process_through_redis(
    pg_db: Database, redis_url: str, worker_process: Callable[[], subprocess.Popen[bytes]]
) -> None:
    saved_routes = list(ROUTES["meeting.recorded"])
    ROUTES["meeting.recorded"][:] = [probe]  # the probe alone consumes meeting.recorded
    try:
        with pg_db.transaction() as session:
            pairing = f.pairing(session)
            record_meeting(session, pairing.id, date(2026, 2, 3), "api", today=date(2026, 3, 1))
        broker = RedisBroker(url=redis_url, namespace=NAMESPACE)
        assert outbox.relay_pending(pg_db, make_publisher(broker)) == 1
        # The worker starts after the message was queued: Redis holds it meanwhile.
        proc = worker_process()

        def counted() -> bool:
            with pg_db.sessions() as session:
                return probe_count(session) == 1

        assert wait_for(counted), (proc.stderr.read1(4000) if proc.stderr else b"").decode()
        # Delivering the same event again (at-least-once) changes nothing.
        with pg_db.sessions() as session:
            from sqlalchemy import select

            from surveys.db.models import OutboxEvent

            row = session.scalars(select(OutboxEvent)).one()
            make_publisher(broker)(outbox.Publication(row.id, row.topic, dict(row.payload)))
        time.sleep(1.5)
        assert wait_for(lambda: broker.client.llen(f"{NAMESPACE}:probe") == 0, 10)
        with pg_db.sessions() as session:
            assert probe_count(session) == 1
        broker.close()
    finally:
        ROUTES["meeting.recorded"][:] = saved_routes
