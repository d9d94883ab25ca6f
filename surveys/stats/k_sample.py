"""Several groups: Kruskal–Wallis, then pairwise Mann–Whitney with Holm adjustment.

Used for firm-vs-firm comparisons (at least three firms) and for any grouping
with more than two levels. The H statistic matches R's ``kruskal.test`` (tie
corrected); follow-ups are R's ``wilcox.test`` for each pair, Holm-adjusted as
``pairwise.wilcox.test(p.adjust.method = "holm")`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
from scipy.stats import rankdata

from surveys.stats.distributions import chi2_sf
from surveys.stats.multiplicity import holm
from surveys.stats.ranks import FloatArray, as_sample
from surveys.stats.result import EffectSize, StatsInputError, TestResult, check_group_sizes
from surveys.stats.two_sample import mann_whitney
from surveys.stats.wording import chance_clause, fmt_num, on_outcome


def kruskal_core(
    labels: Sequence[str],
    sizes: FloatArray,
    rank_sums: FloatArray,
    tie_sum: float,
    *,
    outcome: str | None = None,
    pairwise: list[TestResult] | None = None,
) -> TestResult:
    """Kruskal–Wallis H from group sizes, rank sums and the tie term Σ(t³ − t)."""
    k = len(labels)
    if k < 2:
        raise StatsInputError("Kruskal-Wallis needs at least two groups")
    n_total = float(sizes.sum())
    h = 12 / (n_total * (n_total + 1)) * float(np.sum(rank_sums**2 / sizes)) - 3 * (n_total + 1)
    correction = 1 - tie_sum / (n_total**3 - n_total)
    if correction <= 0:
        raise StatsInputError("every response is identical in all groups; no test can be run")
    h = max(0.0, h / correction)  # identical groups can give -1e-15 from rounding
    df = k - 1
    p = chi2_sf(h, df)
    mean_ranks = {g: float(r / s) for g, r, s in zip(labels, rank_sums, sizes, strict=True)}
    notes = ["Kruskal-Wallis rank test with tie correction, as R's kruskal.test."]
    extras: dict[str, Any] = {"mean_ranks": mean_ranks}
    if pairwise:
        adjusted = holm([r.pvalue if r.pvalue is not None else 1.0 for r in pairwise])
        extras["pairwise"] = [
            {
                "groups": list(r.n),
                "statistic": r.statistic,
                "pvalue": r.pvalue,
                "pvalue_adjusted": q,
                "effect_size": None if r.effect_size is None else r.effect_size.value,
            }
            for r, q in zip(pairwise, adjusted, strict=True)
        ]
        notes.append(
            "Pairwise follow-ups: Mann-Whitney (R's W) for each pair, Holm-adjusted; "
            "effect size is Cliff's delta of the first group against the second."
        )
    top = max(mean_ranks, key=lambda g: mean_ranks[g])
    summary = (
        f"Across the {k} groups{on_outcome(outcome)}, {top} tended to answer highest "
        f"(mean rank {fmt_num(mean_ranks[top])}); "
        f"{chance_clause(p, 'differences this large between groups')}."
    )
    return TestResult(
        test="Kruskal-Wallis rank sum test",
        statistic=h,
        df=float(df),
        pvalue=p,
        n={g: int(s) for g, s in zip(labels, sizes, strict=True)},
        effect_size=EffectSize("epsilon squared", h / (n_total - 1)),
        notes=notes,
        summary=summary,
        extras=extras,
    )


def kruskal_wallis(
    groups: Mapping[str, Sequence[float] | FloatArray],
    *,
    min_group_size: int = 5,
    outcome: str | None = None,
    follow_up: bool = True,
) -> TestResult:
    """Kruskal–Wallis across groups, with Holm-adjusted pairwise follow-ups."""
    if len(groups) < 2:
        raise StatsInputError("Kruskal-Wallis needs at least two groups")
    arrays = {g: as_sample(v, g) for g, v in groups.items()}
    check_group_sizes({g: len(a) for g, a in arrays.items()}, min_group_size)
    labels = list(arrays)
    pooled = np.concatenate([arrays[g] for g in labels])
    ranks = rankdata(pooled)
    sizes = np.array([len(arrays[g]) for g in labels], dtype=np.float64)
    bounds = np.concatenate([[0], np.cumsum(sizes).astype(np.int64)])
    rank_sums = np.array([ranks[bounds[i] : bounds[i + 1]].sum() for i in range(len(labels))])
    _, ties = np.unique(pooled, return_counts=True)
    t = ties.astype(np.float64)
    pairwise = None
    if follow_up and len(labels) > 2:
        pairwise = [
            mann_whitney(arrays[a], arrays[b], labels=(a, b), min_group_size=min_group_size)
            for a, b in combinations(labels, 2)
        ]
    return kruskal_core(
        labels, sizes, rank_sums, float(np.sum(t**3 - t)), outcome=outcome, pairwise=pairwise
    )
