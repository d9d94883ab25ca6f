"""Two independent groups: Welch t, Mann–Whitney (R's W) and Brunner–Munzel.

Each public function takes raw values; the ``*_core`` functions take the
sufficient statistics so that :mod:`surveys.stats.histogram` can feed them from
counts per value and get the identical answer. ``x`` is the first group, as in
R, and differences are x − y.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scipy.stats import mannwhitneyu

from surveys.stats.distributions import norm_cdf, norm_ppf, norm_sf, t_cdf, t_ppf, t_sf
from surveys.stats.power import power_note
from surveys.stats.ranks import FloatArray, RankSummary, as_sample, rank_summary
from surveys.stats.result import (
    EffectSize,
    StatsInputError,
    TestResult,
    check_group_sizes,
    require_finite,
)
from surveys.stats.wording import (
    chance_clause,
    fmt_ci,
    fmt_num,
    mean_difference_sentence,
    on_outcome,
    tendency_sentence,
)

ALTERNATIVES: tuple[str, ...] = ("two-sided", "less", "greater")
EXACT_BELOW = 50  # R's wilcox.test: exact p-values when n < 50 and no ties


def check_alternative(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        raise StatsInputError(
            f"alternative must be one of {', '.join(ALTERNATIVES)}; got {alternative!r}"
        )


def p_from_t(stat: float, df: float, alternative: str) -> float:
    if alternative == "less":
        return t_cdf(stat, df)
    if alternative == "greater":
        return t_sf(stat, df)
    return min(1.0, 2 * t_sf(abs(stat), df))


def t_interval(
    estimate: float, se: float, df: float, alternative: str, level: float
) -> tuple[float, float]:
    """R's t.test confidence interval (one-sided alternatives give a half-line)."""
    if alternative == "less":
        return (-math.inf, estimate + t_ppf(level, df) * se)
    if alternative == "greater":
        return (estimate - t_ppf(level, df) * se, math.inf)
    half = t_ppf(1 - (1 - level) / 2, df) * se
    return (estimate - half, estimate + half)


def _power(n1: int, n2: int, notes: list[str]) -> dict[str, float]:
    if n1 < 2 or n2 < 2:
        return {}
    mde, note = power_note(n1, n2)
    if note:
        notes.append(note)
    return {"minimum_detectable_effect": mde}


def hedges_g(
    n1: int, m1: float, v1: float, n2: int, m2: float, v2: float, level: float = 0.95
) -> EffectSize:
    """Hedges' g (pooled-SD Cohen's d × J, J = 1 − 3/(4(n1+n2) − 9)).

    The interval uses the large-sample variance of Hedges & Olkin (1985),
    var(g) ≈ (n1+n2)/(n1·n2) + g²/(2(n1+n2)), with a normal quantile.
    """
    pooled = math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
    if pooled == 0:
        return EffectSize("Hedges' g", None, None)
    g = (1 - 3 / (4 * (n1 + n2) - 9)) * (m1 - m2) / pooled
    se = math.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
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
    df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
    p = p_from_t(stat, df, alternative)
    ci = t_interval(diff, se, df, alternative, confidence_level)
    all_notes = [*notes, "Welch's t does not assume equal variances (R's t.test default)."]
    extras: dict[str, object] = {"means": {labels[0]: m1, labels[1]: m2}}
    extras.update(_power(n1, n2, all_notes))
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


def cliffs_delta(r: RankSummary, level: float) -> tuple[EffectSize, list[str]]:
    """Cliff's delta (= rank-biserial r = 2W/(n1·n2) − 1) with a Brunner–Munzel interval.

    The interval is δ ± t(df)·2·SE(p̂), using the Brunner–Munzel (DeLong-type
    placement) variance and its Satterthwaite df, which handles ties; it is
    clipped to [−1, 1].
    """
    delta = 2 * r.w / (r.n1 * r.n2) - 1
    bm = _bm_parts(r)
    if bm is None:
        note = "The groups do not overlap at all, so there is no interval for Cliff's delta."
        return EffectSize("Cliff's delta", delta, None), [note]
    _, df, se = bm
    half = t_ppf(1 - (1 - level) / 2, df) * 2 * se
    return EffectSize("Cliff's delta", delta, (max(-1.0, delta - half), min(1.0, delta + half))), []


def mann_whitney_core(
    r: RankSummary,
    *,
    labels: tuple[str, str],
    alternative: str,
    confidence_level: float,
    outcome: str | None,
    raw: tuple[FloatArray, FloatArray] | None = None,
) -> TestResult:
    """R's wilcox.test(x, y): W, exact when both n < 50 without ties, else normal + CC."""
    n1, n2, w = r.n1, r.n2, r.w
    notes: list[str] = []
    exact = n1 < EXACT_BELOW and n2 < EXACT_BELOW and not r.has_ties
    if exact and raw is not None:
        p = float(mannwhitneyu(raw[0], raw[1], alternative=alternative, method="exact").pvalue)
        notes.append("Exact p-value (no ties, both groups under 50), as R's wilcox.test.")
    else:
        n = n1 + n2
        sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - r.tie_sum / (n * (n - 1))))
        if sigma == 0:
            raise StatsInputError("every response is identical in both groups; no test can be run")
        z = w - n1 * n2 / 2
        corr = {"two-sided": math.copysign(0.5, z) if z else 0.0, "greater": 0.5, "less": -0.5}
        z = (z - corr[alternative]) / sigma
        if alternative == "less":
            p = norm_cdf(z)
        elif alternative == "greater":
            p = norm_sf(z)
        else:
            p = min(1.0, 2 * norm_sf(abs(z)))
        why = "ties present" if r.has_ties else "a group of 50 or more"
        notes.append(
            f"Normal approximation with continuity correction and tie correction ({why}), "
            "as R's wilcox.test."
        )
    effect, more = cliffs_delta(r, confidence_level)
    notes += more
    extras: dict[str, object] = {"mean_ranks": {labels[0]: r.mean_rank1, labels[1]: r.mean_rank2}}
    extras.update(_power(n1, n2, notes))
    return TestResult(
        test="Wilcoxon rank sum test (Mann-Whitney U)",
        statistic=w,
        df=None,
        pvalue=p,
        n={labels[0]: n1, labels[1]: n2},
        effect_size=effect,
        alternative=alternative,
        confidence_level=confidence_level,
        notes=notes,
        extras=extras,
        summary=tendency_sentence(*labels, effect.value, effect.ci, p, outcome, confidence_level),
    )


def _bm_parts(r: RankSummary) -> tuple[float, float, float] | None:
    """Brunner–Munzel statistic, df and SE(p̂); None when the variance is zero."""
    v = r.placement_variance
    if v <= 0:
        return None
    stat = r.n1 * r.n2 * (r.mean_rank2 - r.mean_rank1) / ((r.n1 + r.n2) * math.sqrt(v))
    df = v**2 / ((r.n1 * r.s1sq) ** 2 / (r.n1 - 1) + (r.n2 * r.s2sq) ** 2 / (r.n2 - 1))
    return stat, df, math.sqrt(v) / (r.n1 * r.n2)


def brunner_munzel_core(
    r: RankSummary,
    *,
    labels: tuple[str, str],
    alternative: str,
    confidence_level: float,
    outcome: str | None,
) -> TestResult:
    """Brunner–Munzel (t distribution, as SciPy and R's brunnermunzel.test)."""
    if r.n1 < 2 or r.n2 < 2:
        raise StatsInputError("Brunner-Munzel needs at least two responses per group")
    p_hat = r.p_hat
    n = {labels[0]: r.n1, labels[1]: r.n2}
    notes = ["Brunner-Munzel allows unequal spreads and many ties (suits Likert items)."]
    parts = _bm_parts(r)
    stat: float | None
    df: float | None
    p: float | None
    ci: tuple[float, float] | None
    if parts is None:
        if r.tie_sum == (r.n1 + r.n2) ** 3 - (r.n1 + r.n2):
            raise StatsInputError("every response is identical in both groups; no test can be run")
        stat = df = p = ci = None
        notes.append(
            "The groups do not overlap at all, so the Brunner-Munzel variance is zero "
            "and no p-value can be computed; see the Mann-Whitney test."
        )
    else:
        stat, df, se = parts
        # SciPy's convention: 'greater' means x tends to be larger, i.e. p̂ < 1/2.
        flipped = {"less": "greater", "greater": "less"}.get(alternative, alternative)
        p = p_from_t(stat, df, flipped)
        ci = t_interval(
            p_hat, se, df, alternative if alternative == "two-sided" else flipped, confidence_level
        )
        ci = (max(0.0, ci[0]), min(1.0, ci[1]))
    extras: dict[str, object] = {}
    extras.update(_power(r.n1, r.n2, notes))
    share = (
        f"Picking one person from each group at random, {labels[1]} answered higher than "
        f"{labels[0]} in {fmt_num(100 * p_hat)}% of pairs (ties count half)"
        f"{on_outcome(outcome)}"
    )
    summary = f"{share}{fmt_ci(ci, confidence_level) if alternative == 'two-sided' else ''}; "
    summary += f"{chance_clause(p, 'a split this uneven')}."
    return TestResult(
        test="Brunner-Munzel test",
        statistic=stat,
        df=df,
        pvalue=p,
        n=n,
        effect_size=EffectSize("P(X<Y)+0.5P(X=Y)", p_hat, ci),
        ci=ci,
        estimate=p_hat,
        alternative=alternative,
        confidence_level=confidence_level,
        notes=notes,
        summary=summary,
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


__all__ = ["brunner_munzel", "hedges_g", "mann_whitney", "welch_t"]
