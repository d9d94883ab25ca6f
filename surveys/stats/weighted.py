"""Welch's t on weighted groups: the engine under matched comparisons and DiD.

Weights (CEM's, say) enter through each group's weighted mean and
reliability-weighted variance; the SE and Satterthwaite df use Kish's effective
sample size. The ``*_core`` function takes those moments so that
:mod:`surveys.stats.weighted_counts` can feed them from weighted histograms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from surveys.stats.alternatives import check_alternative, p_from_t, t_interval
from surveys.stats.ranks import FloatArray, as_sample
from surveys.stats.result import StatsInputError, TestResult, check_group_sizes, require_finite
from surveys.stats.two_sample import hedges_g
from surveys.stats.wording import mean_difference_sentence

#: A group's (count, Kish effective n, weighted mean, variance).
Moments = tuple[int, float, float, float]


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


def checked_weights(
    values: FloatArray, weights: Sequence[float] | None, label: str
) -> FloatArray | None:
    """``weights`` as an array, one non-negative finite number per value; None stays None."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != values.shape or np.any(~np.isfinite(w)) or np.any(w < 0):
        raise StatsInputError(f"weights for {label!r} must be one non-negative number per value")
    return w


def welch_parts(parts: Sequence[tuple[float, float]]) -> tuple[float, float]:
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
        weighted_moments(xa, checked_weights(xa, x_weights, labels[0])),
        weighted_moments(ya, checked_weights(ya, y_weights, labels[1])),
        labels=labels,
        alternative=alternative,
        confidence_level=confidence_level,
        min_group_size=min_group_size,
        outcome=outcome,
        comparison=comparison,
    )


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
    se, df = welch_parts([(v1, e1), (v2, e2)])
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
