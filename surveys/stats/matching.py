"""Fairer participant comparisons: coarsened exact matching and difference-in-differences.

Partners volunteer for reverse mentoring, so participants differ from everyone
else before the programme starts. Coarsened exact matching (CEM) keeps only
strata — level × practice area × tenure band × gender — that hold both
participants and non-participants, and weights the comparison group as R's
MatchIt/cem do: participants weigh 1, a comparison person in stratum s weighs
(n_treated_s / n_control_s) × (N_control_matched / N_treated_matched).
Difference-in-differences compares participants' change between a baseline and
a follow-up round with the comparison group's change over the same rounds.
Every result says which comparison it is.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from surveys.stats.ranks import FloatArray, as_sample
from surveys.stats.result import (
    EffectSize,
    StatsInputError,
    TestResult,
    check_group_sizes,
    require_finite,
)
from surveys.stats.two_sample import check_alternative, hedges_g, p_from_t, t_interval
from surveys.stats.wording import chance_clause, fmt_ci, fmt_num, mean_difference_sentence

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


def weighted_moments(
    values: FloatArray, weights: FloatArray | None
) -> tuple[int, float, float, float]:
    """Count, effective n (Kish), weighted mean and reliability-weighted variance."""
    if weights is None:
        n = len(values)
        if n < 2:
            return n, float(n), float(values.mean()) if n else math.nan, math.nan
        return n, float(n), float(values.mean()), float(values.var(ddof=1))
    keep = weights > 0
    if not np.any(keep):
        return 0, 0.0, math.nan, math.nan
    v, w = values[keep], weights[keep]
    total, total_sq = float(w.sum()), float((w**2).sum())
    mean = float(np.dot(w, v) / total)
    denom = total - total_sq / total
    var = float(np.dot(w, (v - mean) ** 2) / denom) if denom > 0 else float("nan")
    return int(keep.sum()), total**2 / total_sq, mean, var


def _weights(values: FloatArray, weights: Sequence[float] | None, label: str) -> FloatArray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != values.shape or np.any(~np.isfinite(w)) or np.any(w < 0):
        raise StatsInputError(f"weights for {label!r} must be one non-negative number per value")
    return w


def _welch_parts(parts: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """SE and Satterthwaite df of a sum of independent means, from (variance, n_eff) pairs."""
    terms = [v / n for v, n in parts]
    se = math.sqrt(sum(terms))
    require_finite(sum(terms))
    if se == 0:  # the callers refuse this case in their own words
        return 0.0, math.nan
    df = sum(terms) ** 2 / sum(t**2 / (n - 1) for t, (_, n) in zip(terms, parts, strict=True))
    return se, df


def weighted_welch(
    x: Sequence[float] | FloatArray,
    y: Sequence[float] | FloatArray,
    *,
    x_weights: Sequence[float] | None = None,
    y_weights: Sequence[float] | None = None,
    labels: tuple[str, str] = ("participants", "matched comparison group"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
    comparison: str = "matched comparison (CEM weights)",
) -> TestResult:
    """Welch's t on weighted groups (Kish effective n in the SE and df)."""
    check_alternative(alternative)
    xa, ya = as_sample(x, labels[0]), as_sample(y, labels[1])
    return weighted_welch_core(
        weighted_moments(xa, _weights(xa, x_weights, labels[0])),
        weighted_moments(ya, _weights(ya, y_weights, labels[1])),
        labels=labels,
        alternative=alternative,
        confidence_level=confidence_level,
        min_group_size=min_group_size,
        outcome=outcome,
        comparison=comparison,
    )


Moments = tuple[int, float, float, float]


def weighted_welch_core(
    x: Moments,
    y: Moments,
    *,
    labels: tuple[str, str],
    alternative: str,
    confidence_level: float,
    min_group_size: int,
    outcome: str | None,
    comparison: str,
) -> TestResult:
    """Weighted Welch from each group's (count, Kish n, weighted mean, variance)."""
    check_alternative(alternative)
    n1, e1, m1, v1 = x
    n2, e2, m2, v2 = y
    check_group_sizes({labels[0]: n1, labels[1]: n2}, min_group_size)
    if min(e1, e2) <= 1 or not (math.isfinite(v1) and math.isfinite(v2)) or v1 + v2 == 0:
        raise StatsInputError("too little weighted data or no variation; no test can be run")
    se, df = _welch_parts([(v1, e1), (v2, e2)])
    diff = m1 - m2
    require_finite(diff)
    stat = diff / se
    p = p_from_t(stat, df, alternative)
    ci = t_interval(diff, se, df, alternative, confidence_level)
    shown = ci if alternative == "two-sided" else None
    return TestResult(
        test=f"Weighted Welch t-test, {comparison}",
        statistic=stat,
        df=df,
        pvalue=p,
        n={labels[0]: n1, labels[1]: n2},
        effect_size=hedges_g(round(e1), m1, v1, round(e2), m2, v2, confidence_level),
        ci=ci,
        estimate=diff,
        alternative=alternative,
        confidence_level=confidence_level,
        notes=[
            f"This is a {comparison}.",
            "Weighted means; SE and df use Kish's effective "
            "sample sizes (an approximation to R's survey-weighted t-test).",
        ],
        summary=f"{comparison[0].upper()}{comparison[1:]}: "
        + mean_difference_sentence(*labels, diff, shown, p, outcome, confidence_level),
        extras={"comparison": comparison, "effective_n": {labels[0]: e1, labels[1]: e2}},
    )


def difference_in_differences(
    treated_before: Sequence[float],
    treated_after: Sequence[float],
    control_before: Sequence[float],
    control_after: Sequence[float],
    *,
    control_before_weights: Sequence[float] | None = None,
    control_after_weights: Sequence[float] | None = None,
    labels: tuple[str, str] = ("participants", "the comparison group"),
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """(Participants' follow-up − baseline) − (comparison group's follow-up − baseline).

    The four rounds are treated as independent samples (anonymous climate
    surveys are repeated cross-sections), so the SE is the square root of the
    sum of the four squared standard errors, with Satterthwaite df.
    """
    named = {
        "treated baseline": (treated_before, None),
        "treated follow-up": (treated_after, None),
        "comparison baseline": (control_before, control_before_weights),
        "comparison follow-up": (control_after, control_after_weights),
    }
    stats = {}
    for name, (values, weights) in named.items():
        arr = as_sample(values, name)
        stats[name] = weighted_moments(arr, _weights(arr, weights, name))
    return did_core(
        stats,
        labels=labels,
        confidence_level=confidence_level,
        min_group_size=min_group_size,
        outcome=outcome,
    )


def did_core(
    stats: dict[str, Moments],
    *,
    labels: tuple[str, str],
    confidence_level: float,
    min_group_size: int,
    outcome: str | None,
) -> TestResult:
    """DiD from the four rounds' (count, Kish n, mean, variance), keyed as in
    :func:`difference_in_differences`."""
    check_group_sizes({k: v[0] for k, v in stats.items()}, min_group_size)
    if any(v[1] <= 1 or not math.isfinite(v[3]) for v in stats.values()):
        raise StatsInputError("each round needs at least two responses")
    m = {k: v[2] for k, v in stats.items()}
    treated_change = m["treated follow-up"] - m["treated baseline"]
    control_change = m["comparison follow-up"] - m["comparison baseline"]
    did = treated_change - control_change
    require_finite(did)
    se, df = _welch_parts([(v[3], v[1]) for v in stats.values()])
    if se == 0:
        raise StatsInputError("no variation in any round; no test can be run")
    stat = did / se
    p = p_from_t(stat, df, "two-sided")
    ci = t_interval(did, se, df, "two-sided", confidence_level)
    base = stats["treated baseline"], stats["comparison baseline"]
    sd = math.sqrt(
        ((base[0][1] - 1) * base[0][3] + (base[1][1] - 1) * base[1][3])
        / (base[0][1] + base[1][1] - 2)
    )
    effect = None
    if sd > 0:
        effect = EffectSize(
            "standardised DiD (baseline pooled SD)", did / sd, (ci[0] / sd, ci[1] / sd)
        )
    direction = "more" if did >= 0 else "less"
    summary = (
        f"Difference-in-differences: {labels[0]}' scores changed {fmt_num(abs(did))} points "
        f"{direction} than {labels[1]}'s between baseline and follow-up"
        f"{' on ' + outcome if outcome else ''}{fmt_ci(ci, confidence_level)}; "
        f"{chance_clause(p)}."
    )
    return TestResult(
        test="Difference-in-differences (baseline vs follow-up, Welch-Satterthwaite)",
        statistic=stat,
        df=df,
        pvalue=p,
        n={k: v[0] for k, v in stats.items()},
        effect_size=effect,
        ci=ci,
        estimate=did,
        confidence_level=confidence_level,
        notes=[
            f"Comparison: {labels[0]}' change minus {labels[1]}'s change.",
            "Rounds treated as independent samples (repeated cross-sections).",
        ],
        summary=summary,
        extras={"changes": {labels[0]: treated_change, labels[1]: control_change}, "means": m},
    )


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
