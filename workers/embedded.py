"""The embedded mode: worker threads and an outbox sweeper inside the web process.

Only for one machine (the demo, a small pilot). At start the in-memory queues
are empty, so every outbox row not yet completed is published again at once:
that is what makes a restart lose nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from dramatiq import Worker

from workers.actors.relay import sweep
from workers.broker import broker

log = logging.getLogger(__name__)

#: In-process queues die with the process, so a slow consumer is the only reason to wait.
EMBEDDED_REDELIVER_AFTER = timedelta(seconds=60)


@dataclass
class EmbeddedRuntime:
    worker: Worker
    interval: float
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self.worker.start()
        sweep(redeliver_after=timedelta(0))  # recover what a previous process left behind
        self._thread = threading.Thread(target=self._loop, name="outbox-sweeper", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        from workers.scheduler import LocalLease, Scheduler, clock_heartbeat, periodic_jobs

        # The clock's other jobs, in-process: there is no separate clock in this mode.
        beat = clock_heartbeat(None)
        clock = Scheduler(periodic_jobs(), LocalLease(), heartbeat=beat)
        beat()
        while not self._stop.wait(self.interval):
            try:
                sweep(redeliver_after=EMBEDDED_REDELIVER_AFTER)
                clock.tick()
            except Exception:
                log.exception("outbox sweep failed; retrying in %.0fs", self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.worker.stop()


def start_embedded(worker_threads: int = 2, interval: float = 2.0) -> EmbeddedRuntime:
    log.warning(
        "Flipside runs in EMBEDDED mode: in-memory Dramatiq broker with %d worker threads "
        "in this process (set REDIS_URL to use Redis and separate workers)",
        worker_threads,
    )
    runtime = EmbeddedRuntime(Worker(broker, worker_threads=worker_threads), interval)
    runtime.start()
    return runtime
