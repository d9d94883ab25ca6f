"""Difference-in-differences: participants' change between a baseline and a follow-up round
minus the comparison group's change over the same rounds (optionally CEM-weighted)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from surveys.stats.alternatives import p_from_t, t_interval
from surveys.stats.ranks import as_sample
from surveys.stats.result import (
    EffectSize,
    StatsInputError,
    TestResult,
    check_group_sizes,
    require_finite,
)
from surveys.stats.weighted import Moments, checked_weights, weighted_moments, welch_parts
from surveys.stats.wording import chance_clause, fmt_ci, fmt_num


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
        stats[name] = weighted_moments(arr, checked_weights(arr, weights, name))
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
    periods: tuple[str, str] = ("baseline", "follow-up"),
) -> TestResult:
    """DiD from the four rounds' (count, Kish n, mean, variance), keyed as in
    :func:`difference_in_differences`; ``periods`` names the before and after rounds
    in the sentence, which also says where each group started and ended."""
    check_group_sizes({k: v[0] for k, v in stats.items()}, min_group_size)
    if any(v[1] <= 1 or not math.isfinite(v[3]) for v in stats.values()):
        raise StatsInputError("each round needs at least two responses")
    m = {k: v[2] for k, v in stats.items()}
    treated_change = m["treated follow-up"] - m["treated baseline"]
    control_change = m["comparison follow-up"] - m["comparison baseline"]
    did = treated_change - control_change
    require_finite(did)
    se, df = welch_parts([(v[3], v[1]) for v in stats.values()])
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
        f"Difference-in-differences from {periods[0]} to {periods[1]}"
        f"{' on ' + outcome if outcome else ''}: {labels[0]}' average went from "
        f"{fmt_num(m['treated baseline'])} to {fmt_num(m['treated follow-up'])} and "
        f"{labels[1]}'s from {fmt_num(m['comparison baseline'])} to "
        f"{fmt_num(m['comparison follow-up'])}, so {labels[0]}' scores changed "
        f"{fmt_num(abs(did))} points {direction} than {labels[1]}'s"
        f"{fmt_ci(ci, confidence_level)}; {chance_clause(p)}."
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
