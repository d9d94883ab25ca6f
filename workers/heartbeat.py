"""Heartbeats: each worker process, the clock and the mixer say "still here".

/healthz reads them to tell whether anything is still consuming the queues and
running the schedule (a ``dramatiq`` tier that shut itself down, or a killed
clock, otherwise looks healthy). A heartbeat carries a role, a process name
(``host:pid``) and a time: no answer data, no person, survey or event id.

With ``REDIS_URL`` the beats live in Redis, one sorted set per role
(``<namespace>:heartbeat:<role>``, member = process, score = time) whose TTL each
beat renews, so a tier that stops leaves keys that expire by themselves. In the
embedded mode they live in this process (the workers and the clock are threads
of it).

This module imports no Dramatiq: the web process reads heartbeats too.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from functools import cache
from typing import Protocol

import redis

from workers.redis import redis_client

log = logging.getLogger(__name__)

WORKER, CLOCK, MIXER = "worker", "clock", "mixer"


def queue_namespace(env: Mapping[str, str] | None = None) -> str:
    """Key prefix in Redis (``FLIPSIDE_QUEUE_NAMESPACE``), shared with the broker's keys."""
    env = os.environ if env is None else env
    return env.get("FLIPSIDE_QUEUE_NAMESPACE", "").strip() or "flipside"


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Heartbeats(Protocol):
    def beat(self, role: str, member: str, keep_seconds: float) -> None:
        """Record that ``member`` (a process) of ``role`` is alive now."""

    def latest(self, role: str) -> float | None:
        """The time (``time.time()``) of the latest beat of ``role``, if any is kept."""

    def alive(self, role: str, within: float) -> int:
        """How many members of ``role`` beat in the last ``within`` seconds."""


class LocalHeartbeats:
    """The embedded mode's heartbeats: this process's threads only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._beats: dict[str, dict[str, float]] = {}

    def beat(self, role: str, member: str, keep_seconds: float) -> None:
        with self._lock:
            self._beats.setdefault(role, {})[member] = time.time()

    def latest(self, role: str) -> float | None:
        with self._lock:
            return max(self._beats.get(role, {}).values(), default=None)

    def alive(self, role: str, within: float) -> int:
        since = time.time() - within
        with self._lock:
            return sum(1 for at in self._beats.get(role, {}).values() if at >= since)


class RedisHeartbeats:
    """One sorted set per role; a beat drops members older than ``keep_seconds``."""

    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self.client, self.namespace = client, namespace

    def key(self, role: str) -> str:
        return f"{self.namespace}:heartbeat:{role}"

    def beat(self, role: str, member: str, keep_seconds: float) -> None:
        now, key = time.time(), self.key(role)
        pipe = self.client.pipeline(transaction=False)
        pipe.zadd(key, {member: now})
        pipe.zremrangebyscore(key, "-inf", now - keep_seconds)
        pipe.expire(key, max(1, int(keep_seconds)))
        pipe.execute()

    def latest(self, role: str) -> float | None:
        found = self.client.zrevrange(self.key(role), 0, 0, withscores=True)
        return float(found[0][1]) if found else None

    def alive(self, role: str, within: float) -> int:
        return int(self.client.zcount(self.key(role), time.time() - within, "+inf"))


_local = LocalHeartbeats()


@cache
def _redis_store(redis_url: str, namespace: str) -> RedisHeartbeats:
    return RedisHeartbeats(redis_client(redis_url), namespace)


def store(redis_url: str | None) -> Heartbeats:
    """Where heartbeats live: Redis when configured, else this process."""
    if redis_url is None:
        return _local
    return _redis_store(redis_url, queue_namespace())


class Beater:
    """A daemon thread that beats for ``role`` every ``every`` seconds until stopped.

    A failed beat (Redis down) is logged once per outage and retried: the
    process goes on working, and /healthz says the heartbeat is stale."""

    def __init__(self, beat: Callable[[], None], every: float, name: str = "heartbeat") -> None:
        self._beat, self.every, self.name = beat, every, name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def beat_once(self) -> None:
        try:
            self._beat()
        except Exception as exc:  # noqa: BLE001 - a heartbeat never stops its process
            if not self._failing:
                log.warning("%s could not be written (%s)", self.name, type(exc).__name__)
            self._failing = True
        else:
            self._failing = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        self.beat_once()
        while not self._stop.wait(self.every):
            self.beat_once()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


class Throttled:
    """A beat to call on every clock tick, written at most every ``every`` seconds."""

    def __init__(self, beat: Callable[[], None], every: float) -> None:
        self.beater = Beater(beat, every, name="clock heartbeat")
        self.every = every
        self._last = float("-inf")

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.beater.beat_once()


def role_beat(redis_url: str | None, role: str, keep_seconds: float) -> Callable[[], None]:
    """A function that records one beat of this process for ``role``."""
    member = process_name()

    def beat() -> None:
        store(redis_url).beat(role, member, keep_seconds)

    return beat
