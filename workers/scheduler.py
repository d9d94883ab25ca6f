"""The clock process (Procfile ``clock``): periodic work on fixed intervals.

Two clocks may run at once (a deploy overlapping the old one, a second
machine). Only the holder of a leader lease runs jobs: with ``REDIS_URL`` the
lease is a Redis key set with ``SET NX PX`` and renewed on every tick by its
holder only; another clock takes over once it expires (or at once, when the
holder stops cleanly and releases it). Without Redis (embedded mode) there is
one process, and its lease is local.

More jobs (reminders, invitation expiry, closing rounds) are added to
:func:`default_jobs`; each must be safe to run again after a failover, since a
new leader starts its own intervals.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis

from surveys.services.rounds import close_due_rounds
from surveys.settings import SettingsError
from workers import heartbeat, runtime
from workers.actors.calendars import enqueue_calendar_syncs
from workers.actors.exports import expire_bundles
from workers.actors.invitations import enqueue_due_reminders
from workers.actors.mixing import enqueue_mix
from workers.actors.relay import sweep
from workers.redis import redis_client

log = logging.getLogger(__name__)

LEASE_KEY = "flipside:clock:leader"
#: A holder that misses ticks for this long loses the lease.
LEASE_TTL_MS = 15_000
#: How often each calendar connector is read (a connector backing off is skipped).
CALENDAR_SYNC_SECONDS = 900.0
#: The longest a clock sleeps between ticks (renewals come well before the TTL).
TICK_SECONDS = 1.0

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


@dataclass
class Job:
    name: str
    every: float
    run: Callable[[], object]
    next_at: float = 0.0


def periodic_jobs() -> list[Job]:
    """Reminders, round closing, export expiry, calendar reads (the embedded mode runs these
    too)."""
    return [
        Job("reminders", 600.0, enqueue_due_reminders),
        Job("close-rounds", 600.0, close_rounds),
        Job("expire-exports", 600.0, expire_bundles),
        Job("mix", _mix_interval(), enqueue_mix),
        Job("calendars", CALENDAR_SYNC_SECONDS, enqueue_calendar_syncs),
    ]


def _mix_interval() -> float:
    """FLIPSIDE_MIX_INTERVAL_HOURS in seconds (24 h when the settings cannot be read yet)."""
    try:
        return runtime.settings().mix_interval_hours * 3600.0
    except SettingsError:
        return 24 * 3600.0


def default_jobs() -> list[Job]:
    """The clock's jobs: the outbox sweep and the survey jobs."""
    return [Job("outbox-sweep", 5.0, sweep), *periodic_jobs()]


def close_rounds() -> int:
    """Close climate rounds past their last day (invitation expiry needs no job: links
    are checked against their expiry time whenever they are used)."""
    with runtime.db().transaction() as session:
        return len(close_due_rounds(session))


class Lease(Protocol):
    def hold(self) -> bool:
        """Take or renew the lease; True while this clock is the leader."""

    def release(self) -> None: ...


class LocalLease:
    """The embedded mode's lease: one process, always the leader."""

    def hold(self) -> bool:
        return True

    def release(self) -> None:
        pass


class RedisLease:
    """A leader lease in Redis: ``SET key me NX PX ttl``, renewed only by its holder."""

    def __init__(self, client: redis.Redis, key: str = LEASE_KEY, ttl_ms: int = LEASE_TTL_MS):
        self.client, self.key, self.ttl_ms = client, key, ttl_ms
        self.me = uuid.uuid4().hex
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def hold(self) -> bool:
        try:
            if self._renew(keys=[self.key], args=[self.me, self.ttl_ms]):
                return True
            return bool(self.client.set(self.key, self.me, nx=True, px=self.ttl_ms))
        except redis.RedisError as exc:
            log.warning("clock lease unavailable (%s); not running jobs", type(exc).__name__)
            return False

    def release(self) -> None:
        try:
            self._release(keys=[self.key], args=[self.me])
        except redis.RedisError:
            pass  # it expires by itself


class Scheduler:
    """Runs due jobs on each tick, while it holds the lease."""

    def __init__(
        self,
        jobs: list[Job],
        lease: Lease,
        clock: Callable[[], float] = time.monotonic,
        heartbeat: Callable[[], None] | None = None,
    ) -> None:
        self.jobs, self.lease, self.clock = jobs, lease, clock
        self.heartbeat = heartbeat
        self.leading = False

    def tick(self) -> list[str]:
        """Beat, then run the jobs that are due; return their names (none unless leading)."""
        if self.heartbeat is not None:
            self.heartbeat()
        leading = self.lease.hold()
        if leading != self.leading:
            log.info("clock %s the lead", "takes" if leading else "loses")
            self.leading = leading
            for job in self.jobs:
                job.next_at = 0.0  # a new leader starts its intervals now
        if not leading:
            return []
        ran = []
        for job in self.jobs:
            now = self.clock()
            if now >= job.next_at:
                try:
                    job.run()
                except Exception:
                    log.exception("scheduled job %s failed", job.name)
                job.next_at = now + job.every
                ran.append(job.name)
        return ran

    def seconds_to_next(self) -> float:
        if not self.leading:
            return TICK_SECONDS
        due = min(job.next_at for job in self.jobs) - self.clock()
        return max(0.0, min(due, TICK_SECONDS))

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                self.tick()
                stop.wait(self.seconds_to_next())
        finally:
            self.lease.release()


def make_lease(redis_url: str | None) -> Lease:
    return RedisLease(redis_client(redis_url)) if redis_url else LocalLease()


#: Clock heartbeats are kept this long in Redis (freshness is judged by /healthz).
CLOCK_BEATS_KEPT_SECONDS = 24 * 3600.0


def clock_heartbeat(redis_url: str | None) -> heartbeat.Throttled:
    """The clock's heartbeat, written every FLIPSIDE_HEARTBEAT_SECONDS (workers/heartbeat.py)."""
    beat = heartbeat.role_beat(redis_url, heartbeat.CLOCK, CLOCK_BEATS_KEPT_SECONDS)
    return heartbeat.Throttled(beat, float(runtime.settings().heartbeat_seconds))


def run(jobs: list[Job] | None = None, stop: threading.Event | None = None) -> None:
    """Run ``jobs`` until ``stop`` is set (SIGTERM/SIGINT set it in the clock process)."""
    redis_url = runtime.settings().redis_url
    scheduler = Scheduler(
        jobs or default_jobs(), make_lease(redis_url), heartbeat=clock_heartbeat(redis_url)
    )
    scheduler.run(stop or threading.Event())


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("clock started")
    run(stop=stop)


if __name__ == "__main__":
    main()
