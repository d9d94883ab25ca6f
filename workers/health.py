"""Broker reachability, for /healthz and `flipside queues`."""

from __future__ import annotations

from typing import Any

from dramatiq.brokers.redis import RedisBroker

from workers.broker import broker


def broker_status() -> dict[str, Any]:
    if isinstance(broker, RedisBroker):
        try:
            broker.client.ping()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            return {"status": "error", "kind": "redis", "error": type(exc).__name__}
        return {"status": "ok", "kind": "redis"}
    return {"status": "ok", "kind": "in-memory (embedded)"}
