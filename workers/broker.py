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

from surveys.settings import parse_redis_url
from workers import redaction

log = logging.getLogger(__name__)


def build_broker(redis_url: str | None) -> Broker:
    if redis_url:
        return RedisBroker(url=redis_url)  # type: ignore[no-untyped-call]
    return StubBroker()


redaction.install()
redis_url = parse_redis_url(os.environ)
broker = build_broker(redis_url)
dramatiq.set_broker(broker)


def is_embedded() -> bool:
    return isinstance(broker, StubBroker)
