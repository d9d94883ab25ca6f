"""The demo's clock: answers submitted day by day, with the scheduler's passes between.

In production the clock closes climate rounds past their last day and runs a
mixer pass every interval (daily by default, ``FLIPSIDE_MIX_INTERVAL_HOURS``);
people answer in between. :class:`Clock` replays a simulated year the same way:
answers are queued with their day (:meth:`Clock.answer`), then :meth:`Clock.run`
submits them in day order (random order within a day) and, before each day's
answers, runs that day's job -- close the rounds due, one mixer pass dated that
day -- for every day since the last one, up to ``today``. So what the demo
shows is what a firm on the daily schedule would see (PRODUCT.md 2.3), not one
pass that mixes a whole year at once.

A day on which nothing was submitted since the last pass, no week ended and no
round closed is skipped: its pass would find exactly what the last one left
(every group short of k) and do nothing, so skipping it changes no result.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from surveys.domain.periods import week_of
from surveys.intake.keys import Keys
from surveys.intake.mixing import mix_pass, opener_for
from surveys.services.rounds import close_due_rounds

__all__ = ["Clock"]


@dataclass
class Clock:
    """Queued answers and the days of the passes already run (see the module)."""

    session: Session
    keys: Keys
    default_k: int
    rng: random.Random
    #: (day, random tie-break, submit): ``submit`` seals one answer as of ``day``
    queued: list[tuple[date, float, Callable[[], None]]] = field(default_factory=list)
    #: Run once every answer is in (e.g. stamping invitations' historical times).
    after: list[Callable[[], None]] = field(default_factory=list)
    #: The last day whose jobs have run (None: none yet).
    last_pass: date | None = None
    passes: int = 0
    #: Whether anything was submitted since the last mixer pass, and that pass's week.
    fresh: bool = True
    mixed_week: str = ""

    def answer(self, day: date, submit: Callable[[], None]) -> None:
        self.queued.append((day, self.rng.random(), submit))

    def pass_on(self, day: date) -> None:
        """The clock's jobs of ``day``: close the rounds due, one mixer pass."""
        closed = close_due_rounds(self.session, today=day)
        self.last_pass = day
        if not (self.fresh or closed or week_of(day) != self.mixed_week):
            return  # the same inbox on the same calendar: the pass would do nothing
        mix_pass(
            self.session, opener_for(self.keys), default_k=self.default_k, today=day, rng=self.rng
        )
        self.fresh, self.mixed_week = False, week_of(day)
        self.passes += 1

    def until(self, day: date) -> None:
        """Every daily pass after the last one, up to and including ``day``."""
        current = day if self.last_pass is None else self.last_pass + timedelta(days=1)
        while current <= day:
            self.pass_on(current)
            current += timedelta(days=1)

    def run(self, today: date) -> None:
        """Submit every queued answer in day order, the passes in between, up to ``today``."""
        queued, self.queued = sorted(self.queued, key=lambda q: (q[0], q[1])), []
        for day, _, submit in queued:
            if self.last_pass is None or day > self.last_pass:
                self.until(day)  # the day's pass runs early, before its answers
            submit()
            self.fresh = True
        self.until(today)
        for finish in self.after:
            finish()
        self.after.clear()
