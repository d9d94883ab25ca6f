"""The clock process (Procfile ``clock``): periodic work on fixed intervals."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from workers.actors.invitations import enqueue_due_reminders
from workers.actors.relay import sweep

log = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    every: float
    run: Callable[[], object]
    next_at: float = 0.0


def default_jobs() -> list[Job]:
    return [
        Job("outbox-sweep", 5.0, sweep),
        Job("reminders", 600.0, enqueue_due_reminders),
    ]


def run(jobs: list[Job] | None = None, stop: threading.Event | None = None) -> None:
    """Run ``jobs`` until ``stop`` is set (SIGTERM/SIGINT set it in the clock process)."""
    jobs = jobs or default_jobs()
    stop = stop or threading.Event()
    while not stop.is_set():
        now = time.monotonic()
        for job in jobs:
            if now >= job.next_at:
                try:
                    job.run()
                except Exception:
                    log.exception("scheduled job %s failed", job.name)
                job.next_at = now + job.every
        stop.wait(min(job.next_at for job in jobs) - time.monotonic())


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("clock started")
    run(stop=stop)


if __name__ == "__main__":
    main()
