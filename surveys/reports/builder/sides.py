"""Shared pieces of the comparison builder: rounds, sides, group means, tests and warnings.

A *side* is one group's pooled released histogram (or, for the climate index,
its moments), read through a :data:`Loader`; see :mod:`surveys.reports.builder`
for the rules. Everything here is a plain function of its arguments.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

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
from surveys.stats.wording import ALPHA

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
    #: How many answers each side had and how many disclosure control withheld, in words.
    basis: str = ""


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


def power_warnings(outcome: Outcome, n1: int, n2: int, result: TestResult) -> list[str]:
    """A plain-words warning when groups this small could miss a moderate difference.

    Only beside a result that found no clear difference: a p below 0.05 has
    already detected one, and "too few answers" beside it would read as doubt.
    """
    if n1 < 2 or n2 < 2 or (result.pvalue is not None and result.pvalue < ALPHA):
        return []
    _, note = power_note(n1, n2)
    if note is None:
        return []
    return [
        f"{outcome.label.rstrip('.')}: too few answers to detect a moderate difference "
        f"({n1:,} and {n2:,} responses), so finding no clear difference here does not "
        "show that there is none."
    ]


def without_power_note(result: TestResult) -> TestResult:
    """The result without the engine's own power note: the row's warning says it once."""
    sizes = list(result.n.values())
    if len(sizes) != 2 or min(sizes) < 2:
        return result
    _, note = power_note(int(sizes[0]), int(sizes[1]))
    return replace(result, notes=[n for n in result.notes if n != note])


WITHHELD = "withheld by disclosure control or left blank"


def basis(
    policy: disclosure.Policy, sides: list[tuple[str, int, int]], withheld: str = WITHHELD
) -> str:
    """ "Participants had 60 answers: 28 used here, 32 withheld by disclosure control; ..."

    ``sides`` holds (label, answers used, invitations answered) per side. The
    answered count is shown at k like every count; the withheld number is the
    difference of two shown counts, so it tells nothing they do not.
    """
    parts = []
    for label, used, answered in sides:
        if disclosure.count(answered, policy).shown and answered >= used:
            parts.append(
                f"{label} had {answered:,} answers: {used:,} used here, "
                f"{answered - used:,} {withheld}"
            )
        else:
            parts.append(f"{label}: {used:,} answers used here")
    text = "; ".join(parts)
    return f"{text[:1].upper()}{text[1:]}."
