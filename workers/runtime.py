"""What actors need at run time: the settings and the database.

A ``dramatiq`` worker process loads them from the environment on first use; the
web process hands over its own (:func:`configure`) so the embedded mode shares
one engine.
"""

from __future__ import annotations

import logging
import threading
import time
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


#: After a nudge fails (broker down), skip nudges this long: the sweeper catches up.
NUDGE_PAUSE_SECONDS = 5.0
#: Commits within this window share one nudge.
NUDGE_WINDOW_SECONDS = 0.02


class Nudger:
    """Coalesces relay nudges: one message per short window, however many commits.

    The first commit of a window starts a timer; when it fires, one
    ``relay_outbox`` message goes out and the relay publishes every row
    committed meanwhile. A nudge that fails (Redis down) pauses nudging for a
    few seconds. Lost nudges cost latency, never events: the outbox keeps
    them until a relay or the sweeper publishes them.
    """

    def __init__(self, send: Callable[[], object], window: float = NUDGE_WINDOW_SECONDS) -> None:
        self.send, self.window = send, window
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._paused_until = 0.0

    def __call__(self) -> None:
        with self._lock:
            if self._timer is not None or time.monotonic() < self._paused_until:
                return
            self._timer = threading.Timer(self.window, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
        try:
            self.send()
        except Exception as exc:  # noqa: BLE001 - the sweeper recovers; say so once
            with self._lock:
                self._paused_until = time.monotonic() + NUDGE_PAUSE_SECONDS
            reason = type(exc).__name__
            log.warning("relay nudge failed (%s); the outbox sweep will publish", reason)


_nudger: Nudger | None = None


def enable_relay_nudges(send: Callable[[], object]) -> None:
    """After each commit that wrote outbox events, call ``send`` soon (coalesced): the
    relay actor's ``send``, handed in by the caller so this module imports no actor."""
    global _nudger
    with _lock:
        if _nudger is None:
            _nudger = Nudger(send)
        outbox.on_commit(_nudger)
