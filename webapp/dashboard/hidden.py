"""Why a figure is hidden and when it may appear, on every dashboard page (issue 22).

Templates (imported macros too) get the filter ``why`` (a hidden figure's reason in plain words,
:func:`surveys.disclosure.why`) and ``hidden_when(reason, k)`` (after the
next mixer pass, and roughly how many more answers, :func:`surveys.disclosure.when`).
The next pass is the mixer's last one (recorded in the database by every pass,
:mod:`surveys.intake.passes`; its Redis heartbeat where that is later) plus the
configured interval; when neither can be read, the interval alone is said.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import g

from surveys import disclosure
from surveys.intake.passes import last_pass
from webapp import current
from webapp.dashboard.blueprint import bp
from workers import heartbeat


def _next_pass() -> datetime | None:
    if "flipside_next_mix" not in g:
        settings = current.settings()
        known: list[float] = []
        try:
            recorded = last_pass(current.session())
            if recorded is not None:
                known.append(recorded.timestamp())
        except Exception:  # noqa: BLE001 - the page says the interval instead
            pass
        try:
            beat = heartbeat.store(settings.redis_url).latest(heartbeat.MIXER)
            if beat is not None:
                known.append(beat)
        except Exception:  # noqa: BLE001 - the page says the interval instead
            pass
        found = None
        if known:
            found = datetime.fromtimestamp(max(known), UTC) + timedelta(
                hours=settings.mix_interval_hours
            )
        g.flipside_next_mix = found
    next_pass: datetime | None = g.flipside_next_mix
    return next_pass


@bp.app_template_global("hidden_when")
def hidden_when(reason: str, k: int) -> str:
    return disclosure.when(reason, k, _next_pass(), current.settings().mix_interval_hours)


@bp.app_template_filter("why")
def _why(reason: str, k: int | None = None) -> str:
    return disclosure.why(reason, k)
