"""Fairer participant comparisons: coarsened exact matching (CEM) and its weighted Welch test.

Partners volunteer for reverse mentoring, so participants differ from everyone
else before the programme starts. Coarsened exact matching (CEM) keeps only
strata — level × practice area × tenure band × gender — that hold both
participants and non-participants, and weights the comparison group as R's
MatchIt/cem do: participants weigh 1, a comparison person in stratum s weighs
(n_treated_s / n_control_s) × (N_control_matched / N_treated_matched).
The weighted Welch test is :mod:`surveys.stats.weighted`; difference-in-differences
(participants' change against the comparison group's) is :mod:`surveys.stats.did`.
Every result says which comparison it is.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from surveys.stats.ranks import as_sample
from surveys.stats.result import StatsInputError, TestResult
from surveys.stats.weighted import weighted_welch

CEM_COVARIATES = "level, practice area, tenure band and gender"
#: Tenure bands in years: [0, 2), [2, 5), [5, 10), 10 and over.
TENURE_CUTS = (2.0, 5.0, 10.0)


def tenure_band(years: float) -> str:
    """Coarsen years of tenure into the bands CEM matches on."""
    if not math.isfinite(years) or years < 0:
        raise StatsInputError(f"tenure must be a non-negative number of years, got {years!r}")
    edges = (0.0, *TENURE_CUTS)
    for lo, hi in zip(edges, (*TENURE_CUTS, math.inf), strict=True):
        if lo <= years < hi:
            return f"{lo:g}+ years" if hi == math.inf else f"{lo:g}-{hi:g} years"
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Person:
    """One person's matching covariates and whether they take part in the programme."""

    treated: bool
    level: str
    practice_area: str
    tenure_years: float
    gender: str

    @property
    def stratum(self) -> tuple[str, str, str, str]:
        return (self.level, self.practice_area, tenure_band(self.tenure_years), self.gender)


@dataclass(frozen=True)
class Matching:
    """CEM weights (0 for people in strata without both groups), in input order."""

    weights: tuple[float, ...]
    n_treated_matched: int
    n_control_matched: int
    n_treated_unmatched: int
    n_control_unmatched: int

    def note(self) -> str:
        return (
            f"Matched comparison: coarsened exact matching on {CEM_COVARIATES} kept "
            f"{self.n_treated_matched} participants and {self.n_control_matched} others; "
            f"{self.n_treated_unmatched} participants and {self.n_control_unmatched} others "
            "had no counterpart and were left out."
        )


def coarsened_exact_match(people: Sequence[Person]) -> Matching:
    """CEM weights as R's MatchIt (method = "cem") / cem compute them."""
    strata = [p.stratum for p in people]
    treated = Counter(s for s, p in zip(strata, people, strict=True) if p.treated)
    control = Counter(s for s, p in zip(strata, people, strict=True) if not p.treated)
    kept = {s for s in treated if s in control}
    nt = sum(treated[s] for s in kept)
    nc = sum(control[s] for s in kept)
    weights = []
    for s, p in zip(strata, people, strict=True):
        if s not in kept:
            weights.append(0.0)
        elif p.treated:
            weights.append(1.0)
        else:
            weights.append(treated[s] / control[s] * nc / nt)
    n_treated = sum(treated.values())
    return Matching(tuple(weights), nt, nc, n_treated - nt, sum(control.values()) - nc)


def matched_comparison(
    people: Sequence[Person],
    outcomes: Sequence[float],
    *,
    labels: tuple[str, str] = ("participants", "matched comparison group"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """Participants vs others after CEM: weighted Welch on the matched people only."""
    if len(people) != len(outcomes):
        raise StatsInputError("people and outcomes must have the same length")
    matching = coarsened_exact_match(people)
    values = as_sample(outcomes, "outcomes")
    treated = np.array([p.treated for p in people], dtype=bool)
    weights = np.asarray(matching.weights)
    result = weighted_welch(
        values[treated],
        values[~treated],
        x_weights=weights[treated],
        y_weights=weights[~treated],
        labels=labels,
        alternative=alternative,
        confidence_level=confidence_level,
        min_group_size=min_group_size,
        outcome=outcome,
    )
    return replace(
        result,
        notes=[matching.note(), *result.notes],
        extras={**result.extras, "weights": list(matching.weights)},
    )
