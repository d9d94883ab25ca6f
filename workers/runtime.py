"""What actors need at run time: the settings and the database.

A ``dramatiq`` worker process loads them from the environment on first use; the
web process hands over its own (:func:`configure`) so the embedded mode shares
one engine.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from surveys import outbox
from surveys.db.session import Database
from surveys.settings import Settings, load_settings

log = logging.getLogger(__name__)
_lock = threading.Lock()
_settings: Settings | None = None
_db: Database | None = None


def configure(settings: Settings, db: Database) -> None:
    global _settings, _db
    with _lock:
        _settings, _db = settings, db


def settings() -> Settings:
    global _settings
    with _lock:
        if _settings is None:
            _settings = load_settings()
        return _settings


def db() -> Database:
    global _db
    current = settings()
    with _lock:
        if _db is None:
            _db = Database(current.database_url)
        return _db


class Nudger:
    """Coalesces relay nudges: a request only sets a flag; one thread sends the messages.

    However many commits land while a nudge is being sent, one more nudge follows,
    so none is lost and a burst of submissions costs a burst of flag sets, not of
    broker round trips. The thread is started lazily, so it is per (forked) process.
    """

    def __init__(self, send: Callable[[], object]) -> None:
        self._send = send
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self.sent = 0

    def __call__(self) -> None:
        if self._thread is None or self._pid != os.getpid():
            with self._lock:
                if self._thread is None or self._pid != os.getpid():
                    self._pid = os.getpid()
                    self._thread = threading.Thread(
                        target=self._run, name="relay-nudger", daemon=True
                    )
                    self._thread.start()
        self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                self._send()
                self.sent += 1
            except Exception:  # a lost nudge costs latency only: the sweeper relays anyway
                log.warning("could not nudge the outbox relay; the sweeper will", exc_info=True)


def enable_relay_nudges() -> None:
    """After each commit that wrote outbox events, ask a relay to run soon (coalesced)."""
    from workers.actors.relay import relay_outbox

    outbox.on_commit(Nudger(relay_outbox.send))
