"""The Redis client every process uses (broker, heartbeats, the clock's lease).

Apart from :mod:`workers.broker` so that heartbeats and the clock can make a
client without importing the broker (which declares itself on import).
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def redis_client(url: str) -> redis.Redis:
    """A Redis client that fails fast when Redis is down.

    redis-py's default retries turn a refused connection into a 3-second wait;
    the web process sends relay nudges after commits, so a stopped Redis must
    cost a request milliseconds, not seconds (the outbox keeps the events).
    """
    return redis.Redis.from_url(
        url,
        retry=Retry(NoBackoff(), 1),  # one immediate retry: a pooled connection gone stale
        socket_connect_timeout=2,
        socket_timeout=10,
        health_check_interval=30,
    )
