"""Shared pieces of the comparison builder: rounds, sides, group means, tests and warnings.

A *side* is one group's pooled released histogram (or, for the climate index,
its moments), read through a :data:`Loader`; see :mod:`surveys.reports.builder`
for the rules. Everything here is a plain function of its arguments.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.models import SurveyRound
from surveys.definitions import CLIMATE
from surveys.reports.builder.request import (
    BadQuery,
    Outcome,
    climate_index_items,
)
from surveys.reports.retention import SurvivalView
from surveys.reports.two_cohorts import TESTS
from surveys.services.errors import Invalid
from surveys.stats import (
    TestResult,
    welch_t_from_moments,
)
from surveys.stats.distributions import t_ppf
from surveys.stats.histogram import moments
from surveys.stats.power import power_note

PARTICIPANTS = ("mentor", "mentee")
COMPARISON = ("comparison",)
ALL_ROLES = ("mentor", "mentee", "comparison")
#: Below this response rate a round's answers may not speak for the group.
LOW_RESPONSE_RATE = 30.0
BENCHMARK_MIN_FIRMS = 3


@dataclass(frozen=True)
class GroupMean:
    """One group's mean on one outcome, with its 95% CI; ``mean`` is disclosed."""

    outcome: str
    group: str
    mean: disclosure.Result
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class OutcomeRow:
    outcome: Outcome
    result: TestResult | None
    refused: str | None = None
    warnings: list[str] = field(default_factory=list)
    survival: SurvivalView | None = None


@dataclass(frozen=True)
class Side:
    """A side's summary: n, mean, variance, and its histogram when there is one."""

    label: str
    n: int
    mean: float
    var: float
    histogram: Counter[float] | None


Loader = Callable[[str], Counter[float]]


def climate_rounds(session: Session, programme_id: int) -> list[SurveyRound]:
    return list(
        session.scalars(
            select(SurveyRound)
            .where(SurveyRound.programme_id == programme_id, SurveyRound.survey_key == CLIMATE)
            .order_by(SurveyRound.opened_on, SurveyRound.id)
        )
    )


def pick_round(rounds: list[SurveyRound], round_id: int | None, default: int) -> SurveyRound:
    if not rounds:
        raise Invalid(
            "this programme has no climate survey round yet, so there is nothing to compare"
        )
    if round_id is None:
        return rounds[default]
    for found in rounds:
        if found.id == round_id:
            return found
    raise BadQuery(f"there is no climate round {round_id} in this programme")


def side_of(label: str, outcome: Outcome, load: Loader) -> Side:
    if outcome.kind == "index":
        items = [moments(load(q)) for q in climate_index_items()]
        if any(n < 2 for n, _, _ in items):
            raise Invalid(f"{label}: an item of the index has too few released answers")
        n = min(n for n, _, _ in items)
        mean = sum(m for _, m, _ in items) / len(items)
        sd = sum(math.sqrt(v) for _, _, v in items) / len(items)
        return Side(label, n, mean, sd * sd, None)
    histogram = load(outcome.question_key)
    n, mean, var = moments(histogram)
    return Side(label, n, mean, var, histogram)


def group_mean(outcome: Outcome, side: Side, policy: disclosure.Policy, n_eff: float) -> GroupMean:
    shown = disclosure.mean(side.mean * side.n, side.n, policy)
    if not isinstance(shown, disclosure.Shown) or n_eff <= 1 or not math.isfinite(side.var):
        return GroupMean(outcome.label, side.label, shown)
    half = t_ppf(0.975, n_eff - 1) * math.sqrt(side.var / n_eff)
    return GroupMean(outcome.label, side.label, shown, side.mean - half, side.mean + half)


def two_sided(
    outcome: Outcome, a: Side, b: Side, test: str, k: int
) -> tuple[TestResult, list[str]]:
    text = outcome.label.split(": ", 1)[-1].rstrip(".")
    notes: list[str] = []
    if a.histogram is not None and b.histogram is not None:
        result = TESTS[test](
            a.histogram, b.histogram, labels=(a.label, b.label), min_group_size=k, outcome=text
        )
    else:
        if test != "welch":
            notes.append("The climate index is compared with Welch's t only (no histogram).")
        result = welch_t_from_moments(
            a.n,
            a.mean * a.n,
            (a.n - 1) * a.var + a.n * a.mean**2,
            b.n,
            b.mean * b.n,
            (b.n - 1) * b.var + b.n * b.mean**2,
            labels=(a.label, b.label),
            min_group_size=k,
            outcome=text,
        )
    return result, notes


def power_warnings(outcome: Outcome, n1: int, n2: int) -> list[str]:
    if n1 < 2 or n2 < 2:
        return []
    _, note = power_note(n1, n2)
    return [f"{outcome.label.rstrip('.')}: {note}"] if note else []
