"""What actors need at run time: the settings and the database.

A ``dramatiq`` worker process loads them from the environment on first use; the
web process hands over its own (:func:`configure`) so the embedded mode shares
one engine.
"""

from __future__ import annotations

import threading
import time

from surveys import outbox
from surveys.db.session import Database
from surveys.settings import Settings, load_settings

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


def enable_relay_nudges() -> None:
    """After each commit that wrote outbox events, ask a relay to run now.

    A nudge that fails (Redis down) costs the request one refused connection;
    further nudges are skipped for a few seconds. Lost nudges cost latency,
    never events: the outbox keeps them until a relay publishes them.
    """
    from workers.actors.relay import relay_outbox

    paused_until = [0.0]

    def nudge() -> None:
        if time.monotonic() < paused_until[0]:
            return
        try:
            relay_outbox.send()
        except Exception:
            paused_until[0] = time.monotonic() + NUDGE_PAUSE_SECONDS
            raise

    outbox.on_commit(nudge)
