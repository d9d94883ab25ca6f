"""A no-op actor: the yardstick bench/pipeline.py measures aggregation against."""

from __future__ import annotations

import dramatiq

import workers  # noqa: F401  (the broker before any actor)

QUEUE = "bench_noop"


@dramatiq.actor(queue_name=QUEUE, max_retries=0, time_limit=10_000)
def noop(i: int) -> None:
    """Does nothing: what a message costs Dramatiq and Redis alone."""
