"""Chooses the Dramatiq broker. Imported before any actor is declared.

With ``REDIS_URL`` set: a RedisBroker shared by every web, worker and clock
process. Without it: the embedded mode, Dramatiq's in-memory broker with
worker threads inside the web process (see :mod:`workers.embedded`), backed by
the same outbox so a restart loses nothing.
"""

from __future__ import annotations

import logging
import os

import dramatiq
from dramatiq.broker import Broker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from surveys.settings import SettingsError, parse_redis_url
from workers import heartbeat, redaction, runtime
from workers.redis import redis_client

log = logging.getLogger(__name__)


#: Worker heartbeats are kept this long in Redis (freshness is judged by /healthz).
WORKER_BEATS_KEPT_SECONDS = 24 * 3600.0


class WorkerHeartbeat(dramatiq.Middleware):
    """Each worker (a ``dramatiq`` process, or the embedded mode's threads) beats while
    it runs, so /healthz notices a worker tier that has stopped (workers/heartbeat.py)."""

    def __init__(self, redis_url: str | None) -> None:
        self.redis_url = redis_url
        self.beaters: dict[int, heartbeat.Beater] = {}

    def after_worker_boot(self, broker: Broker, worker: dramatiq.Worker) -> None:
        try:
            every = float(runtime.settings().heartbeat_seconds)
        except SettingsError:
            every = 10.0
        beat = heartbeat.role_beat(self.redis_url, heartbeat.WORKER, WORKER_BEATS_KEPT_SECONDS)
        beater = heartbeat.Beater(beat, every, name="worker heartbeat")
        self.beaters[id(worker)] = beater
        beater.start()

    def before_worker_shutdown(self, broker: Broker, worker: dramatiq.Worker) -> None:
        beater = self.beaters.pop(id(worker), None)
        if beater is not None:
            beater.stop()


def build_broker(redis_url: str | None, namespace: str = "flipside") -> Broker:
    target: Broker
    if redis_url:
        client = redis_client(redis_url)
        target = RedisBroker(client=client, namespace=namespace)  # type: ignore[no-untyped-call]
    else:
        target = StubBroker()
    target.add_middleware(WorkerHeartbeat(redis_url))
    return target


redaction.install()
redis_url = parse_redis_url(os.environ)
#: Key prefix in Redis, so several deployments (or test runs) can share one server.
namespace = heartbeat.queue_namespace()
broker = build_broker(redis_url, namespace)
dramatiq.set_broker(broker)


def is_embedded() -> bool:
    return isinstance(broker, StubBroker)
