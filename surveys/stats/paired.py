"""Paired comparisons (the same people at two rounds): paired t and Wilcoxon V.

Differences are x − y, as in R. ``wilcoxon_signed_rank`` reports R's V (the sum
of the ranks of positive differences) and follows ``wilcox.test(x, y, paired =
TRUE)``: zero differences are dropped; the p-value is exact when fewer than 50
differences remain and there are no ties or zeros, otherwise it uses the normal
approximation with continuity and tie corrections.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import numpy as np
from scipy.stats import rankdata

from surveys.stats.alternatives import check_alternative, p_from_t, t_interval
from surveys.stats.distributions import norm_cdf, norm_ppf, norm_sf
from surveys.stats.rank_tests import EXACT_BELOW
from surveys.stats.ranks import FloatArray, as_sample
from surveys.stats.result import (
    EffectSize,
    StatsInputError,
    TestResult,
    check_group_sizes,
    require_finite,
)
from surveys.stats.wording import chance_clause, fmt_num, mean_difference_sentence, on_outcome

PAIRS = "pairs"


def _differences(
    x: Sequence[float] | FloatArray,
    y: Sequence[float] | FloatArray,
    labels: tuple[str, str],
    alternative: str,
    min_group_size: int,
) -> FloatArray:
    check_alternative(alternative)
    xa, ya = as_sample(x, labels[0]), as_sample(y, labels[1])
    if len(xa) != len(ya):
        raise StatsInputError(f"{labels[0]} and {labels[1]} must have the same number of values")
    check_group_sizes({PAIRS: len(xa)}, min_group_size)
    return xa - ya


def paired_t(
    x: Sequence[float] | FloatArray,
    y: Sequence[float] | FloatArray,
    *,
    labels: tuple[str, str] = ("x", "y"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """Paired t-test of x − y, as R's ``t.test(x, y, paired = TRUE)``, with Cohen's d_z."""
    d = _differences(x, y, labels, alternative, min_group_size)
    n = len(d)
    if n < 2:
        raise StatsInputError("a paired t-test needs at least two pairs")
    with np.errstate(over="ignore", invalid="ignore"):
        mean, sd = float(d.mean()), float(d.std(ddof=1))
    require_finite(mean, sd**2 / n)
    if sd == 0:
        raise StatsInputError("every difference is identical; no test can be run")
    se = sd / math.sqrt(n)
    stat, df = mean / se, float(n - 1)
    p = p_from_t(stat, df, alternative)
    ci = t_interval(mean, se, df, alternative, confidence_level)
    dz = mean / sd
    half = norm_ppf(1 - (1 - confidence_level) / 2) * math.sqrt(1 / n + dz**2 / (2 * n))
    shown = ci if alternative == "two-sided" else None
    return TestResult(
        test="Paired t-test",
        statistic=stat,
        df=df,
        pvalue=p,
        n={PAIRS: n},
        effect_size=EffectSize("Cohen's d_z", dz, (dz - half, dz + half)),
        ci=ci,
        estimate=mean,
        alternative=alternative,
        confidence_level=confidence_level,
        notes=[
            "Differences are x - y; the d_z interval uses the large-sample normal approximation."
        ],
        summary=mean_difference_sentence(*labels, mean, shown, p, outcome, confidence_level),
    )


@cache
def _signrank_counts(n: int) -> tuple[int, ...]:
    """Number of subsets of {1..n} with each possible rank sum (R's dsignrank × 2^n)."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    for k in range(1, n + 1):
        for total in range(len(counts) - 1, k - 1, -1):
            counts[total] += counts[total - k]
    return tuple(counts)


def _psignrank(q: float, n: int, upper: bool) -> float:
    """P(V <= q), or P(V > q) when ``upper``, for the exact signed-rank distribution."""
    counts = np.array(_signrank_counts(n), dtype=np.float64)
    cut = math.floor(q)
    lower = float(counts[: max(0, cut + 1)].sum()) if cut >= 0 else 0.0
    total = 2.0**n
    return (total - lower) / total if upper else lower / total


def wilcoxon_signed_rank(
    x: Sequence[float] | FloatArray,
    y: Sequence[float] | FloatArray,
    *,
    labels: tuple[str, str] = ("x", "y"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """Wilcoxon signed-rank test reported as R's V, with the matched-pairs rank-biserial r."""
    d = _differences(x, y, labels, alternative, min_group_size)
    pairs = len(d)
    zeros = int(np.sum(d == 0))
    d = d[d != 0]
    n = len(d)
    if n == 0:
        raise StatsInputError("every difference is zero; no test can be run")
    ranks = rankdata(np.abs(d))
    v = float(ranks[d > 0].sum())
    _, tie_counts = np.unique(np.abs(d), return_counts=True)
    t = tie_counts.astype(np.float64)
    ties = bool(np.any(t > 1))
    notes = ["Differences are x - y; V is the sum of the ranks of positive differences."]
    if zeros:
        notes.append(f"{zeros} zero difference{'s' if zeros != 1 else ''} dropped, as R does.")
    if n < EXACT_BELOW and not ties and not zeros:
        if alternative == "two-sided":
            p1 = (
                _psignrank(v - 1, n, upper=True)
                if v > n * (n + 1) / 4
                else _psignrank(v, n, upper=False)
            )
            p = min(1.0, 2 * p1)
        elif alternative == "greater":
            p = _psignrank(v - 1, n, upper=True)
        else:
            p = _psignrank(v, n, upper=False)
        notes.append("Exact p-value (under 50 non-zero differences, no ties), as R.")
    else:
        z = v - n * (n + 1) / 4
        sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - float(np.sum(t**3 - t)) / 48)
        corr = {"two-sided": math.copysign(0.5, z) if z else 0.0, "greater": 0.5, "less": -0.5}
        z = (z - corr[alternative]) / sigma
        p = {
            "less": norm_cdf(z),
            "greater": norm_sf(z),
            "two-sided": min(1.0, 2 * norm_sf(abs(z))),
        }[alternative]
        notes.append(
            "Normal approximation with continuity and tie corrections, as R's wilcox.test."
        )
    total = n * (n + 1) / 2
    r = (v - (total - v)) / total
    if r == 0:
        head = f"Neither {labels[0]} nor {labels[1]} tended to be higher{on_outcome(outcome)}"
    else:
        hi, lo = labels if r > 0 else labels[::-1]
        head = f"{hi} tended to be higher than {lo}{on_outcome(outcome)}"
    summary = (
        f"{head} (matched-pairs rank-biserial r {fmt_num(r)}); "
        f"{chance_clause(p, 'a shift this large')}."
    )
    return TestResult(
        test="Wilcoxon signed rank test",
        statistic=v,
        df=None,
        pvalue=p,
        n={PAIRS: pairs},
        effect_size=EffectSize("matched-pairs rank-biserial r", r),
        alternative=alternative,
        confidence_level=confidence_level,
        notes=notes,
        summary=summary,
        extras={"nonzero_differences": n},
    )
