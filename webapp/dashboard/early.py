"""A programme with nothing released yet: what its headline will show, and what it waits for.

Instead of a wall of "suppressed" and refusals, the headline says which planned
comparisons will appear, when the next mixer pass runs, and what each role
still needs. How many more answers a role needs is told from the release rule
only: a role with fewer than k answers so far "needs at least k in all", never
"needs 3 more" (which would tell that k - 3 have answered).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from surveys import disclosure
from surveys.db.models import AggregateCell, Programme
from surveys.reports.counts import answered_by_role
from surveys.reports.headline_values import Headline
from webapp import current
from workers import heartbeat

ROLES = {"mentor": "Mentors", "mentee": "Mentees", "comparison": "Comparison group"}


@dataclass(frozen=True)
class Early:
    #: When the next mixer pass is due, in words.
    next_pass: str
    #: (role in words, what it still needs in words)
    needs: list[tuple[str, str]]


def is_early(programme: Programme, headline: Headline) -> bool:
    """Whether nothing of the programme has been released yet (so the headline has nothing)."""
    if not all(f.refused for f in headline.planned):
        return False
    released = select(AggregateCell.id).where(
        AggregateCell.programme_id == programme.id, AggregateCell.released_n > 0
    )
    return current.session().scalar(released.limit(1)) is None


def _next_pass() -> str:
    settings = current.settings()
    every = settings.mix_interval_hours
    try:
        last = heartbeat.store(settings.redis_url).latest(heartbeat.MIXER)
    except Exception:  # noqa: BLE001 - the page says what it knows
        last = None
    if last is None:
        return f"The mixer runs every {every} hours; no pass has been recorded yet."
    due = max(last + every * 3600, time.time())
    at = datetime.fromtimestamp(due, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"The next mixer pass is due by {at} (it runs every {every} hours)."


def early_state(programme: Programme, k: int) -> Early:
    """What a programme without released results waits for."""
    answered = answered_by_role(current.session(), programme.id)
    policy = disclosure.Policy(k)
    needs = []
    for role, label in ROLES.items():
        n = answered.get(role, 0)
        if isinstance(disclosure.count(n, policy), disclosure.Shown):
            needs.append(
                (label, f"{n:,} answers so far, at least {k}: they are released by a mixer pass.")
            )
        else:
            needs.append(
                (
                    label,
                    f"Needs at least {k} answers before anything about them is shown; fewer "
                    f"than {k} so far (the exact number is not shown below {k}).",
                )
            )
    return Early(_next_pass(), needs)
