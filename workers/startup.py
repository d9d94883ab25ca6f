"""Start whatever background work a web process owns: only the embedded mode has any."""

from __future__ import annotations

import logging

from surveys.settings import Settings
from workers import runtime

log = logging.getLogger(__name__)
_started: object | None = None


def start_background_work(settings: Settings) -> None:
    """In embedded mode, start worker threads and the outbox sweeper (once per process)."""
    global _started
    from workers.actors.relay import relay_outbox  # declares the actors: when the app starts

    runtime.enable_relay_nudges(relay_outbox.send)
    if not settings.embedded or _started is not None:
        return
    from workers.embedded import start_embedded

    _started = start_embedded()


def background_running() -> bool:
    """True once this process runs the embedded workers and clock (their heartbeats are
    this process's: /healthz checks them only then)."""
    return _started is not None
