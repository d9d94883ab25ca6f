"""Rank tests of two independent groups on their rank summary: Mann–Whitney (R's W, with
Cliff's delta) and Brunner–Munzel. :mod:`surveys.stats.two_sample` feeds them raw values,
:mod:`surveys.stats.histogram` counts per value; both get the identical answer.
"""

from __future__ import annotations

import math

from scipy.stats import mannwhitneyu

from surveys.stats.alternatives import p_from_t, t_interval
from surveys.stats.distributions import norm_cdf, norm_sf, t_ppf
from surveys.stats.power import power_extras
from surveys.stats.ranks import FloatArray, RankSummary
from surveys.stats.result import EffectSize, StatsInputError, TestResult
from surveys.stats.wording import chance_clause, fmt_ci, fmt_num, on_outcome, tendency_sentence

EXACT_BELOW = 50  # R's wilcox.test: exact p-values when n < 50 and no ties


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
        sigma = math.sqrt(max(0.0, n1 * n2 / 12 * ((n + 1) - r.tie_sum / (n * (n - 1)))))
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
    extras.update(power_extras(n1, n2, notes))
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
    if v <= 0 or r.n1 < 2 or r.n2 < 2:  # one response in a group: no placement variance
        return None
    stat = r.n1 * r.n2 * (r.mean_rank2 - r.mean_rank1) / ((r.n1 + r.n2) * math.sqrt(v))
    spread = (r.n1 * r.s1sq) ** 2 / (r.n1 - 1) + (r.n2 * r.s2sq) ** 2 / (r.n2 - 1)
    if spread <= 0:
        return None
    return stat, v**2 / spread, math.sqrt(v) / (r.n1 * r.n2)


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
    extras.update(power_extras(r.n1, r.n2, notes))
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
