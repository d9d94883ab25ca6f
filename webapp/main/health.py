"""What /healthz reports: reachability, and whether the background work still runs.

The answer is JSON with ``status``:

- ``ok`` (HTTP 200): the database and the broker answer, and nothing below holds;
- ``degraded`` (HTTP 200): the site serves pages, but background work is stuck or
  gone; ``reasons`` lists one sentence per problem, and the status returns to
  ``ok`` by itself once the cause is gone:
  no fresh worker heartbeat, no fresh clock heartbeat (both older than
  FLIPSIDE_HEALTH_STALE_SECONDS), dead letters, an outbox row unpublished for longer
  than FLIPSIDE_HEALTH_OUTBOX_SECONDS or stuck for good, or sealed submissions
  waiting while the mixer's last pass is older than FLIPSIDE_MIX_INTERVAL_HOURS plus
  FLIPSIDE_HEALTH_MIX_MARGIN_SECONDS, or a calendar connector whose last read failed
  (``calendars``: how many, the oldest last successful read, the failing ids);
- ``unhealthy`` (HTTP 503): the database or the broker cannot be reached.

The sealed inbox is judged by the mixer's last pass, not by the age of its rows:
sealed rows carry no time, on purpose (a time would mark a submission).
Heartbeats (workers/heartbeat.py) are checked in Redis mode always; in the embedded
mode only in a process that runs the embedded workers and clock (``flipside serve``,
gunicorn), since a process without them (a test app, a CLI) has none to miss.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from surveys import outbox
from surveys.calendars.connectors import health as calendar_health
from surveys.db.models import SealedSubmission
from surveys.intake.passes import last_pass
from surveys.settings import Settings
from webapp import current
from workers import heartbeat
from workers.health import broker_status, dead_letter_count
from workers.startup import background_running


def health_report() -> tuple[dict[str, Any], int]:
    """The /healthz body and its HTTP status."""
    settings = current.settings()
    report: dict[str, Any] = {"mode": "embedded" if settings.embedded else "redis"}
    reasons: list[str] = []
    reachable = True
    sealed_waiting = 0
    mixed_at: float | None = None
    try:
        current.database().ping()
        with current.database().sessions() as session:
            backlog = outbox.backlog(session)
            sealed_waiting = int(
                session.scalar(select(func.count()).select_from(SealedSubmission)) or 0
            )
            last = last_pass(session)
            mixed_at = None if last is None else last.timestamp()
            calendars = calendar_health(session)
        report["database"] = {"status": "ok", "backend": current.database().engine.dialect.name}
        report["outbox"] = {
            "unpublished": backlog.unpublished,
            "in_flight": backlog.in_flight,
            "stuck": backlog.stuck,
            "oldest_unpublished_seconds": backlog.oldest_unpublished_seconds,
        }
        age = backlog.oldest_unpublished_seconds
        if age is not None and age > settings.health_outbox_seconds:
            reasons.append(f"the outbox has events unpublished for {age:.0f} s")
        if backlog.stuck:
            reasons.append(f"{backlog.stuck} outbox event(s) stuck (no longer retried)")
        report["calendars"] = calendars
        failing = calendars["failing"]
        if isinstance(failing, list) and failing:
            ids = ", ".join(str(i) for i in failing)
            reasons.append(f"calendar connector(s) {ids} failing: see `flipside calendars list`")
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        reachable = False
        report["database"] = {"status": "error", "error": type(exc).__name__}
    broker = broker_status()
    if broker["status"] == "ok":
        dead = dead_letter_count()
        broker["dead_letters"] = dead
        if dead:
            reasons.append(f"{dead} dead-lettered message(s): see `flipside queues`")
    else:
        reachable = False
    report["broker"] = broker
    if settings.redis_url is not None or background_running():
        report["heartbeats"] = _heartbeats(settings, sealed_waiting, mixed_at, reasons)
    if not reachable:
        report["status"] = "unhealthy"
    else:
        report["status"] = "degraded" if reasons else "ok"
    report["reasons"] = reasons
    return report, 200 if reachable else 503


def _heartbeats(
    settings: Settings, sealed_waiting: int, mixed_at: float | None, reasons: list[str]
) -> dict[str, Any]:
    """Workers, clocks and the mixer; the mixer's last pass is the later of the database's
    record (which survives a Redis restart) and its heartbeat."""
    stale = float(settings.health_stale_seconds)
    try:
        beats = heartbeat.store(settings.redis_url)
        workers = beats.alive(heartbeat.WORKER, stale)
        clocks = beats.alive(heartbeat.CLOCK, stale)
        last_mix = beats.latest(heartbeat.MIXER)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        reasons.append(f"heartbeats cannot be read ({type(exc).__name__})")
        return {"status": "error", "error": type(exc).__name__}
    if not workers:
        reasons.append(f"no worker heartbeat in the last {stale:.0f} s: are the workers running?")
    if not clocks:
        reasons.append(f"no clock heartbeat in the last {stale:.0f} s: is the clock running?")
    known = [t for t in (last_mix, mixed_at) if t is not None]
    since_mix = max(0.0, time.time() - max(known)) if known else None
    late_after = settings.mix_interval_hours * 3600 + settings.health_mix_margin_seconds
    if sealed_waiting and (since_mix is None or since_mix > late_after):
        when = "never" if since_mix is None else f"{since_mix:.0f} s ago"
        reasons.append(f"sealed submissions are waiting and the mixer last completed a pass {when}")
    return {
        "workers_alive": workers,
        "clocks_alive": clocks,
        "stale_after_seconds": stale,
        "mixer_last_pass_seconds_ago": since_mix,
    }
