"""Two independent groups: Welch t, Mann–Whitney (R's W) and Brunner–Munzel.

Each public function takes raw values; the ``*_core`` functions take the
sufficient statistics so that :mod:`surveys.stats.histogram` can feed them from
counts per value and get the identical answer. ``x`` is the first group, as in
R, and differences are x − y. Welch's t and Hedges' g live here; the rank
tests' cores in :mod:`surveys.stats.rank_tests`, the ``alternative`` argument's
p-values and intervals in :mod:`surveys.stats.alternatives`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from surveys.stats.alternatives import ALTERNATIVES, check_alternative, p_from_t, t_interval
from surveys.stats.checks import between, count, finite
from surveys.stats.distributions import norm_ppf
from surveys.stats.power import power_extras
from surveys.stats.rank_tests import brunner_munzel_core, mann_whitney_core
from surveys.stats.ranks import FloatArray, as_sample, rank_summary
from surveys.stats.result import (
    EffectSize,
    StatsInputError,
    TestResult,
    check_group_sizes,
    require_finite,
)
from surveys.stats.wording import mean_difference_sentence


def hedges_g(
    n1: int, m1: float, v1: float, n2: int, m2: float, v2: float, level: float = 0.95
) -> EffectSize:
    """Hedges' g (pooled-SD Cohen's d × J, J = 1 − 3/(4(n1+n2) − 9)).

    The interval uses the large-sample variance of Hedges & Olkin (1985),
    var(g) ≈ (n1+n2)/(n1·n2) + g²/(2(n1+n2)), with a normal quantile.
    """
    n1, n2 = count(n1, "n1"), count(n2, "n2")
    if n1 < 2 or n2 < 2:
        raise StatsInputError("Hedges' g needs at least two responses per group")
    m1, m2 = finite(m1, "the first mean"), finite(m2, "the second mean")
    v1, v2 = finite(v1, "the first variance"), finite(v2, "the second variance")
    if v1 < 0 or v2 < 0:
        raise StatsInputError("a variance cannot be negative")
    level = between(level, "the confidence level")
    pooled = math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
    require_finite(pooled, m1 - m2)
    if pooled == 0:
        return EffectSize("Hedges' g", None, None)
    g = (1 - 3 / (4 * (n1 + n2) - 9)) * (m1 - m2) / pooled
    se = math.sqrt((n1 + n2) / (n1 * n2) + g * g / (2 * (n1 + n2)))
    require_finite(g, se)
    z = norm_ppf(1 - (1 - level) / 2)
    return EffectSize("Hedges' g", g, (g - z * se, g + z * se))


def welch_core(
    n1: int,
    m1: float,
    v1: float,
    n2: int,
    m2: float,
    v2: float,
    *,
    labels: tuple[str, str],
    alternative: str,
    confidence_level: float,
    outcome: str | None,
    test: str = "Welch two-sample t-test",
    notes: Sequence[str] = (),
) -> TestResult:
    """Welch's t from each group's size, mean and (n − 1) variance, as R's t.test."""
    if n1 < 2 or n2 < 2:
        raise StatsInputError("Welch's t-test needs at least two responses per group")
    a, b = v1 / n1, v2 / n2
    se = math.sqrt(a + b)
    require_finite(m1, m2, m1 - m2, a + b)
    if se == 0:
        raise StatsInputError("every response is identical in both groups; no test can be run")
    diff = m1 - m2
    stat = diff / se
    spread = a * a / (n1 - 1) + b * b / (n2 - 1)
    if spread == 0:  # the variances underflow when squared
        raise StatsInputError("the variances are too small to analyse; rescale the values")
    df = (a + b) * (a + b) / spread
    require_finite(stat, df)
    p = p_from_t(stat, df, alternative)
    ci = t_interval(diff, se, df, alternative, confidence_level)
    all_notes = [*notes, "Welch's t does not assume equal variances (R's t.test default)."]
    extras: dict[str, object] = {"means": {labels[0]: m1, labels[1]: m2}}
    extras.update(power_extras(n1, n2, all_notes))
    shown = ci if alternative == "two-sided" else None
    return TestResult(
        test=test,
        statistic=stat,
        df=df,
        pvalue=p,
        n={labels[0]: n1, labels[1]: n2},
        effect_size=hedges_g(n1, m1, v1, n2, m2, v2, confidence_level),
        ci=ci,
        estimate=diff,
        alternative=alternative,
        confidence_level=confidence_level,
        notes=all_notes,
        summary=mean_difference_sentence(*labels, diff, shown, p, outcome, confidence_level),
        extras=extras,
    )


def _prepare(
    x: Sequence[float] | FloatArray,
    y: Sequence[float] | FloatArray,
    labels: tuple[str, str],
    alternative: str,
    min_group_size: int,
) -> tuple[FloatArray, FloatArray]:
    check_alternative(alternative)
    xa, ya = as_sample(x, labels[0]), as_sample(y, labels[1])
    check_group_sizes({labels[0]: len(xa), labels[1]: len(ya)}, min_group_size)
    return xa, ya


def welch_t(
    x: Sequence[float] | FloatArray,
    y: Sequence[float] | FloatArray,
    *,
    labels: tuple[str, str] = ("x", "y"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """Welch two-sample t-test of x − y with Hedges' g, as R's ``t.test(x, y)``."""
    xa, ya = _prepare(x, y, labels, alternative, min_group_size)
    if len(xa) < 2 or len(ya) < 2:
        raise StatsInputError("Welch's t-test needs at least two responses per group")
    return welch_core(
        len(xa),
        float(xa.mean()),
        float(xa.var(ddof=1)),
        len(ya),
        float(ya.mean()),
        float(ya.var(ddof=1)),
        labels=labels,
        alternative=alternative,
        confidence_level=confidence_level,
        outcome=outcome,
    )


def mann_whitney(
    x: Sequence[float] | FloatArray,
    y: Sequence[float] | FloatArray,
    *,
    labels: tuple[str, str] = ("x", "y"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """Mann–Whitney reported as R's W with Cliff's delta, as ``wilcox.test(x, y)``."""
    xa, ya = _prepare(x, y, labels, alternative, min_group_size)
    return mann_whitney_core(
        rank_summary(xa, ya),
        labels=labels,
        alternative=alternative,
        confidence_level=confidence_level,
        outcome=outcome,
        raw=(xa, ya),
    )


def brunner_munzel(
    x: Sequence[float] | FloatArray,
    y: Sequence[float] | FloatArray,
    *,
    labels: tuple[str, str] = ("x", "y"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """Brunner–Munzel test with df and the estimate P(X<Y) + ½P(X=Y)."""
    xa, ya = _prepare(x, y, labels, alternative, min_group_size)
    return brunner_munzel_core(
        rank_summary(xa, ya),
        labels=labels,
        alternative=alternative,
        confidence_level=confidence_level,
        outcome=outcome,
    )


#: ALTERNATIVES is listed for the CLI, which offers them as choices.
__all__ = ["ALTERNATIVES", "brunner_munzel", "hedges_g", "mann_whitney", "welch_t"]
