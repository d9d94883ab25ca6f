"""Categorical outcomes: χ² / Fisher's exact with Cramér's V, and % favourable.

``contingency_test`` follows R: ``chisq.test`` with Yates' correction on 2×2
tables, switching to Fisher's exact test automatically when an expected count
is under 5 (``fisher.test``; its conditional-MLE odds ratio and interval on
2×2). Rows are the groups being compared, so the minimum group size applies to
row totals. Proportions favourable (4 or 5 on a 1–5 Likert item) come with
Wilson score intervals.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy.stats import chi2_contingency, fisher_exact
from scipy.stats.contingency import association, odds_ratio

from surveys.stats.alternatives import check_alternative
from surveys.stats.checks import between, count, count_table, finite, histogram
from surveys.stats.distributions import norm_ppf
from surveys.stats.fisher import FISHER_MAX_N, fisher_rxc
from surveys.stats.result import EffectSize, StatsInputError, TestResult, check_group_sizes
from surveys.stats.wording import chance_clause, fmt_num, on_outcome

TESTS = ("auto", "chi2", "fisher")


def wilson_interval(successes: int, n: int, confidence_level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (no continuity correction)."""
    successes, n = count(successes, "successes"), count(n, "n")
    confidence_level = between(confidence_level, "the confidence level")
    if n <= 0 or not 0 <= successes <= n:
        raise StatsInputError("a proportion needs 0 <= successes <= n and n > 0")
    z = norm_ppf(1 - (1 - confidence_level) / 2)
    p = successes / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact 0 / 1, not 1e-17
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def proportion_favourable(
    responses: Mapping[float, int] | Iterable[float],
    *,
    favourable: Sequence[float] = (4, 5),
    label: str = "respondents",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """Share answering favourably, from a histogram (value -> count) or raw values."""
    if isinstance(responses, Mapping):
        counts = histogram(responses, label)
    else:
        counts = {}
        for value in responses:
            answer = finite(value, f"{label}: an answer")
            counts[answer] = counts.get(answer, 0) + 1
    wanted = {finite(v, "a favourable answer") for v in favourable}
    n = sum(counts.values())
    check_group_sizes({label: n}, min_group_size)
    k = sum(c for v, c in counts.items() if v in wanted)
    ci = wilson_interval(k, n, confidence_level)
    share = k / n
    values = " or ".join(f"{v:g}" for v in sorted(wanted))
    return TestResult(
        test="Proportion favourable (Wilson interval)",
        statistic=None,
        pvalue=None,
        n={label: n},
        estimate=share,
        ci=ci,
        confidence_level=confidence_level,
        effect_size=EffectSize("proportion favourable", share, ci),
        notes=[f"Favourable means answering {values}; Wilson score interval."],
        summary=(
            f"{share:.0%} of {label} answered favourably ({values}){on_outcome(outcome)} "
            f"({confidence_level:.0%} CI {ci[0]:.0%} to {ci[1]:.0%})."
        ),
        extras={"favourable": k},
    )


def _fisher(
    table: np.ndarray, alternative: str, level: float
) -> tuple[float, float | None, tuple[float, float] | None, list[str], dict[str, object]]:
    notes: list[str] = []
    if table.shape == (2, 2):
        p = float(fisher_exact(table, alternative=alternative).pvalue)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ratio = odds_ratio(table.astype(np.int64), kind="conditional")
            ci_obj = ratio.confidence_interval(level, alternative)
        notes += [f"Odds ratio note: {w.message}" for w in caught]
        notes.append(
            "Fisher's exact test; estimate is the conditional MLE odds ratio, as R's fisher.test."
        )
        estimate, ci = float(ratio.statistic), (float(ci_obj.low), float(ci_obj.high))
        return p, estimate, ci, notes, {"pvalue_method": "exact"}
    if alternative != "two-sided":
        raise StatsInputError("one-sided alternatives exist only for 2x2 tables")
    found = fisher_rxc(table)
    extras: dict[str, object] = {"pvalue_method": found.method}
    if found.method == "exact":
        notes.append(
            "Fisher's exact test on a table larger than 2x2: every table with the same "
            "margins enumerated, as R's fisher.test."
        )
    else:
        assert found.mc_standard_error is not None
        extras |= {"simulations": found.simulations, "pvalue_mc_se": found.mc_standard_error}
        notes.append(
            f"Because {found.reason}, the p-value is SIMULATED from "
            f"{found.simulations:,} random tables with the same margins (fixed seed), "
            f"as R's fisher.test(simulate.p.value = TRUE); Monte Carlo standard error "
            f"{found.mc_standard_error:.2g}."
        )
    return found.pvalue, None, None, notes, extras


def contingency_test(
    table: Sequence[Sequence[int]],
    *,
    rows: Sequence[str],
    cols: Sequence[str],
    test: str = "auto",
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """χ² test of independence (Yates on 2×2), or Fisher's exact when counts are small."""
    check_alternative(alternative)
    if test not in TESTS:
        raise StatsInputError(f"test must be one of {', '.join(TESTS)}; got {test!r}")
    confidence_level = between(confidence_level, "the confidence level")
    counts = count_table(table).astype(np.float64)
    if counts.shape != (len(rows), len(cols)):
        raise StatsInputError("the table's shape does not match its row and column labels")
    if counts.shape[0] < 2:
        raise StatsInputError("a table needs at least two groups (rows)")
    if counts.shape[1] < 2:
        raise StatsInputError("a table needs at least two outcome categories (columns)")
    check_group_sizes(
        {r: int(s) for r, s in zip(rows, counts.sum(axis=1), strict=True)}, min_group_size
    )
    if np.any(counts.sum(axis=0) == 0):
        raise StatsInputError("a column of the table is empty")
    result = chi2_contingency(counts, correction=True)
    expected = np.asarray(result.expected_freq)
    small = bool(np.any(expected < 5))
    use_fisher = test == "fisher" or (test == "auto" and small)
    large = int(counts.sum()) > FISHER_MAX_N  # decided from the counts, before any table
    if use_fisher and large and test == "fisher":
        raise StatsInputError(
            f"Fisher's exact test is not computed on more than {FISHER_MAX_N:,} responses;"
            " at such counts the chi-squared test (test='chi2') is as accurate"
        )
    use_fisher = use_fisher and not large
    if alternative != "two-sided" and not use_fisher:
        raise StatsInputError("--alternative applies only to Fisher's exact test on a 2x2 table")
    cramer = float(association(counts.astype(np.int64), method="cramer"))
    effect = EffectSize("Cramér's V", cramer)
    n = {r: int(s) for r, s in zip(rows, counts.sum(axis=1), strict=True)}
    notes = ["Cramér's V uses the uncorrected chi-square statistic."]
    estimate = ci = None
    extras: dict[str, object] = {}
    if use_fisher:
        why = "an expected count is under 5" if test == "auto" else "requested"
        p, estimate, ci, more, extras = _fisher(
            counts.astype(np.int64), alternative, confidence_level
        )
        notes = [f"Fisher's exact test ({why}).", *more, *notes]
        name, stat, df = "Fisher's exact test", None, None
        if extras["pvalue_method"] == "simulated":
            name = "Fisher's exact test (simulated p-value)"
    else:
        p, stat, df = float(result.pvalue), float(result.statistic), float(result.dof)
        yates = counts.shape == (2, 2)
        name = "Pearson's chi-squared test" + (
            " with Yates' continuity correction" if yates else ""
        )
        if small and large:
            notes.append(
                f"Chi-squared test used although an expected count is under 5: with "
                f"{int(counts.sum()):,} responses (more than {FISHER_MAX_N:,}) Fisher's exact "
                f"test is not computed, and at such counts the two agree closely."
            )
        elif small:
            notes.append(
                "Chi-squared approximation may be incorrect: an expected count is "
                "under 5 (Fisher's exact test is safer)."
            )
    groups = " and ".join([", ".join(rows[:-1]), rows[-1]]) if len(rows) > 1 else rows[0]
    summary = (
        f"Comparing how {groups} answered{on_outcome(outcome)}, the association is "
        f"Cramér's V {fmt_num(cramer)} (0 = none, 1 = complete); "
        f"{chance_clause(p, 'differences this large')}."
    )
    return TestResult(
        test=name,
        statistic=stat,
        df=df,
        pvalue=p,
        n=n,
        effect_size=effect,
        ci=ci,
        estimate=estimate,
        alternative=alternative,
        confidence_level=confidence_level,
        notes=notes,
        summary=summary,
        extras={
            **extras,
            "table": {
                "rows": list(rows),
                "cols": list(cols),
                "counts": counts.astype(np.int64).tolist(),
                "expected": expected.tolist(),
            },
        },
    )
