"""Broker reachability and queue depths, for /healthz and `flipside queues`.

On Redis the numbers come from Dramatiq's keys (``dramatiq:<queue>`` ready
list, ``.msgs`` hash of ready and unacknowledged messages, ``.DQ`` delayed
retries, ``.XQ`` dead letters). In embedded mode they are this process's
in-memory queues.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

import workers.actors  # noqa: F401  (declares every queue)
from workers.broker import broker


@dataclass(frozen=True)
class QueueStats:
    name: str
    ready: int
    in_progress: int
    delayed: int
    dead: int


def broker_status() -> dict[str, Any]:
    if isinstance(broker, RedisBroker):
        try:
            broker.client.ping()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            return {"status": "error", "kind": "redis", "error": type(exc).__name__}
        return {"status": "ok", "kind": "redis"}
    return {"status": "ok", "kind": "in-memory (embedded)"}


def queue_names() -> list[str]:
    return sorted(q for q in broker.get_declared_queues() if not q.endswith((".DQ", ".XQ")))


def queue_stats() -> list[QueueStats]:
    """Depths of every declared queue; raises if the broker cannot be reached."""
    if isinstance(broker, RedisBroker):
        return redis_queue_stats(broker, queue_names())
    assert isinstance(broker, StubBroker)
    found = []
    for name in queue_names():
        ready = broker.queues[name].qsize() if name in broker.queues else 0
        delayed_q = broker.queues.get(f"{name}.DQ")
        delayed = delayed_q.qsize() if delayed_q is not None else 0
        dead = len(broker.dead_letters_by_queue.get(name, []))
        found.append(QueueStats(name, ready, 0, delayed, dead))
    return found


def redis_queue_stats(redis_broker: RedisBroker, names: list[str]) -> list[QueueStats]:
    """Depths of ``names`` from Dramatiq's Redis keys, in one round trip."""
    client, ns = redis_broker.client, redis_broker.namespace
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.llen(f"{ns}:{name}")
        pipe.hlen(f"{ns}:{name}.msgs")
        pipe.hlen(f"{ns}:{name}.DQ.msgs")
        pipe.zcard(f"{ns}:{name}.XQ")
    counts = pipe.execute()
    found = []
    for i, name in enumerate(names):
        ready, stored, delayed, dead = (int(c) for c in counts[4 * i : 4 * i + 4])
        found.append(QueueStats(name, ready, max(stored - ready, 0), delayed, dead))
    return found


def dead_letter_count() -> int | None:
    """Dead-lettered messages over every queue, or None if the broker cannot say."""
    try:
        return sum(q.dead for q in queue_stats())
    except Exception:  # noqa: BLE001 - reported as unknown
        return None
