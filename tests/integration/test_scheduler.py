"""The clock: two clocks running at once do the work once, and one takes over from the other."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from workers.redis import redis_client
from workers.scheduler import Job, LocalLease, RedisLease, Scheduler, default_jobs


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def lease_key(private_redis_url: str) -> Iterator[tuple[redis.Redis, str]]:
    client = redis.Redis.from_url(private_redis_url)
    key = f"test:clock:{uuid.uuid4().hex}"
    yield client, key
    client.delete(key)
    client.close()


def test_two_clocks_running_at_once_run_a_job_once_per_interval(
    lease_key: tuple[redis.Redis, str],
) -> None:
    client, key = lease_key
    clock = FakeClock()
    runs: list[float] = []
    clocks = [
        Scheduler(
            [Job("count", 5.0, lambda: runs.append(clock.now))], RedisLease(client, key), clock
        )
        for _ in range(2)
    ]
    step = threading.Barrier(2)

    def tick_for_30_seconds(scheduler: Scheduler) -> None:
        for second in range(31):
            step.wait(timeout=10)
            if scheduler is clocks[0]:
                clock.now = float(second)
            step.wait(timeout=10)
            scheduler.tick()

    threads = [threading.Thread(target=tick_for_30_seconds, args=(s,)) for s in clocks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert runs == [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]
    assert [s.leading for s in clocks].count(True) == 1


def test_a_clock_that_stops_hands_the_lead_to_the_other(
    lease_key: tuple[redis.Redis, str],
) -> None:
    client, key = lease_key
    ran: list[str] = []
    first = Scheduler([Job("a", 60.0, lambda: ran.append("first"))], RedisLease(client, key))
    second = Scheduler([Job("a", 60.0, lambda: ran.append("second"))], RedisLease(client, key))
    assert first.tick() == ["a"] and second.tick() == []
    first.lease.release()  # a clean stop
    assert second.tick() == ["a"]
    assert ran == ["first", "second"]


def test_a_clock_that_dies_loses_the_lead_when_its_lease_expires(
    lease_key: tuple[redis.Redis, str],
) -> None:
    client, key = lease_key
    dead = Scheduler([Job("a", 60.0, lambda: None)], RedisLease(client, key, ttl_ms=200))
    survivor = Scheduler([Job("a", 60.0, lambda: None)], RedisLease(client, key, ttl_ms=200))
    assert dead.tick() == ["a"]
    deadline = time.monotonic() + 10
    while not survivor.tick() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert survivor.leading


def test_without_redis_a_clock_runs_nothing_and_does_not_crash() -> None:
    unreachable = redis_client("redis://127.0.0.1:1/0")
    scheduler = Scheduler([Job("a", 1.0, lambda: None)], RedisLease(unreachable))
    assert scheduler.tick() == []


def test_the_embedded_clock_runs_each_job_on_its_interval() -> None:
    clock = FakeClock()
    scheduler = Scheduler(
        [Job("a", 5.0, lambda: None), Job("b", 2.0, lambda: None)], LocalLease(), clock
    )
    ran = []
    for second in range(5):
        clock.now = float(second)
        ran.append(scheduler.tick())
    assert ran == [["a", "b"], [], ["b"], [], ["b"]]


def test_a_failing_job_does_not_stop_the_others() -> None:
    def boom() -> None:
        raise RuntimeError("boom")

    scheduler = Scheduler([Job("boom", 1.0, boom), Job("ok", 1.0, lambda: None)], LocalLease())
    assert scheduler.tick() == ["boom", "ok"]


def test_the_default_jobs_include_the_outbox_sweep() -> None:
    assert "outbox-sweep" in [job.name for job in default_jobs()]
