"""/healthz tells the truth about background work (issue 14): degraded with a reason when
no worker or clock heartbeat is fresh, on dead letters, on an old outbox backlog and
when sealed submissions wait for a mixer that has not passed; ok again once it is gone."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from dramatiq.brokers.stub import StubBroker
from dramatiq.message import Message
from sqlalchemy import update

from surveys.db.models import OutboxEvent, SealedSubmission
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.intake.mixing import mix_now
from surveys.intake.passes import last_pass
from surveys.settings import Settings
from tests.support.redis_server import start_private_redis
from workers import heartbeat
from workers.broker import broker
from workers.scheduler import LocalLease, Scheduler


@pytest.fixture
def namespace(monkeypatch: pytest.MonkeyPatch) -> str:
    """A namespace of this test's own in the shared private Redis."""
    ns = f"health-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("FLIPSIDE_QUEUE_NAMESPACE", ns)
    return ns


@pytest.fixture
def redis_app(
    sqlite_db: Database,
    make_settings: Callable[..., Settings],
    private_redis_url: str,
    namespace: str,
) -> Iterator[Any]:
    """An app in Redis mode whose heartbeats live in a private Redis."""
    from webapp import create_app

    settings = make_settings(
        database_url=sqlite_db.url, redis_url=private_redis_url, health_stale_seconds=5
    )
    yield create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)


def health(app: Any) -> tuple[int, dict[str, Any]]:
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json()


def beat_now(redis_url: str, *roles: str) -> None:
    for role in roles:
        heartbeat.role_beat(redis_url, role, 3600)()


def test_no_worker_or_clock_heartbeat_is_degraded_with_reasons(
    redis_app: Any, private_redis_url: str
) -> None:
    status, body = health(redis_app)
    assert status == 200
    assert body["status"] == "degraded"
    assert any("no worker heartbeat" in r for r in body["reasons"])
    assert any("no clock heartbeat" in r for r in body["reasons"])
    beat_now(private_redis_url, heartbeat.WORKER, heartbeat.CLOCK)
    status, body = health(redis_app)
    assert (status, body["status"], body["reasons"]) == (200, "ok", [])
    assert body["heartbeats"]["workers_alive"] == 1


def test_a_stale_heartbeat_counts_as_none(
    redis_app: Any, private_redis_url: str, namespace: str
) -> None:
    client = redis.Redis.from_url(private_redis_url)
    client.zadd(f"{namespace}:heartbeat:worker", {"gone:1": time.time() - 60})
    beat_now(private_redis_url, heartbeat.CLOCK)
    _, body = health(redis_app)
    assert body["status"] == "degraded"
    assert [r for r in body["reasons"] if "worker" in r]
    assert not [r for r in body["reasons"] if "clock" in r]


def test_sealed_submissions_waiting_for_a_mixer_that_never_passed(
    redis_app: Any, private_redis_url: str, sqlite_db: Database
) -> None:
    beat_now(private_redis_url, heartbeat.WORKER, heartbeat.CLOCK)
    with sqlite_db.transaction() as session:
        session.add(SealedSubmission(period="2026-W01", sealed=b"opaque"))
    _, body = health(redis_app)
    assert body["status"] == "degraded"
    assert any("mixer last completed a pass never" in r for r in body["reasons"])
    heartbeat.store(private_redis_url).beat(heartbeat.MIXER, "mixer", 3600)
    _, body = health(redis_app)
    assert (body["status"], body["reasons"]) == ("ok", [])


def test_the_mixers_last_pass_survives_a_redis_restart(
    sqlite_db: Database,
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    namespace: str,
) -> None:
    """A pass recorded before Redis restarts (emptied: no persistence) still counts."""
    from webapp import create_app

    (tmp_path / "redis").mkdir()
    server = start_private_redis(tmp_path / "redis")
    try:
        settings = make_settings(
            database_url=sqlite_db.url, redis_url=server.url, health_stale_seconds=5
        )
        app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)
        with sqlite_db.sessions() as session:
            assert last_pass(session) is None
        mix_now(sqlite_db, settings.required_keys, default_k=5)  # an empty inbox: still a pass
        with sqlite_db.sessions() as session:
            recorded = last_pass(session)
            assert recorded is not None and abs((utcnow() - recorded).total_seconds()) < 600
        server.stop()
        server.start()  # a fresh, empty Redis: every heartbeat is gone
        beat_now(server.url, heartbeat.WORKER, heartbeat.CLOCK)
        with sqlite_db.transaction() as session:
            session.add(SealedSubmission(period="2026-W01", sealed=b"opaque"))
        _, body = health(app)
        assert (body["status"], body["reasons"]) == ("ok", []), body
        assert body["heartbeats"]["mixer_last_pass_seconds_ago"] is not None
    finally:
        server.stop()


def test_an_old_outbox_backlog_is_degraded(app: Any, sqlite_db: Database) -> None:
    with sqlite_db.transaction() as session:
        session.add(OutboxEvent(topic="probe.old", payload={}))
    assert health(app)[1]["status"] == "ok"  # young: the relay has time
    with sqlite_db.transaction() as session:
        session.execute(update(OutboxEvent).values(created_at=utcnow() - timedelta(hours=2)))
    status, body = health(app)
    assert (status, body["status"]) == (200, "degraded")
    assert any("outbox" in r for r in body["reasons"])


def test_dead_letters_are_degraded_until_they_are_gone(app: Any) -> None:
    assert isinstance(broker, StubBroker)
    queue = "aggregation"
    message = Message(queue_name=queue, actor_name="probe", args=(), kwargs={}, options={})
    broker.dead_letters_by_queue[queue].append(message)
    try:
        status, body = health(app)
        assert (status, body["status"]) == (200, "degraded")
        assert any("dead-lettered" in r for r in body["reasons"])
    finally:
        broker.dead_letters_by_queue[queue].remove(message)
    assert health(app)[1]["status"] == "ok"


def test_the_clock_beats_on_every_tick_and_writes_at_most_every_interval() -> None:
    beats: list[float] = []
    throttled = heartbeat.Throttled(lambda: beats.append(time.monotonic()), every=60)
    scheduler = Scheduler([], LocalLease(), heartbeat=throttled)
    scheduler.tick()
    scheduler.tick()
    assert len(beats) == 1


def test_a_failing_heartbeat_never_stops_its_process() -> None:
    def broken() -> None:
        raise redis.ConnectionError("down")

    heartbeat.Beater(broken, every=1).beat_once()  # logged, not raised
