"""Tests computed from histograms (counts per value) of Likert and 0–10 items.

Flipside stores each item's responses as counts per value, so a comparison
costs the same for fifty responses or fifty million. Every function here gives
the same numbers as its raw-value twin (proven by property tests against SciPy
on the expanded data): Welch from moments, rank tests from mid-ranks per value,
χ² from the group × value table and Kruskal–Wallis from rank sums per value.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

import numpy as np

from surveys.stats.alternatives import check_alternative
from surveys.stats.categorical import contingency_test
from surveys.stats.checks import count, finite
from surveys.stats.checks import histogram as checked_histogram
from surveys.stats.k_sample import kruskal_core
from surveys.stats.rank_tests import brunner_munzel_core, mann_whitney_core
from surveys.stats.ranks import FloatArray, aligned_counts, rank_summary_from_counts
from surveys.stats.result import StatsInputError, TestResult, check_group_sizes
from surveys.stats.two_sample import welch_core

Histogram = Mapping[float, int]


def moments(hist: Histogram) -> tuple[int, float, float]:
    """Size, mean and (n − 1) variance of the values a histogram describes."""
    values = np.array([float(v) for v in hist], dtype=np.float64)
    counts = np.array([float(c) for c in hist.values()], dtype=np.float64)
    n = int(counts.sum())
    if n == 0:
        return 0, float("nan"), float("nan")
    mean = float(np.dot(counts, values) / n)
    var = float(np.dot(counts, (values - mean) ** 2) / (n - 1)) if n > 1 else float("nan")
    return n, mean, var


def _two(
    hx: Histogram, hy: Histogram, labels: tuple[str, str], alternative: str, k: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    check_alternative(alternative)
    whole_counts({labels[0]: hx, labels[1]: hy})
    support, c1, c2 = aligned_counts(hx, hy, labels)
    check_group_sizes({labels[0]: int(c1.sum()), labels[1]: int(c2.sum())}, k)
    return support, c1, c2


def welch_t_from_counts(
    hx: Histogram,
    hy: Histogram,
    *,
    labels: tuple[str, str] = ("x", "y"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """Welch's t (and Hedges' g) from two histograms."""
    _two(hx, hy, labels, alternative, min_group_size)
    n1, m1, v1 = moments(hx)
    n2, m2, v2 = moments(hy)
    return welch_core(
        n1,
        m1,
        v1,
        n2,
        m2,
        v2,
        labels=labels,
        alternative=alternative,
        confidence_level=confidence_level,
        outcome=outcome,
    )


def welch_t_from_moments(
    n1: int,
    sum1: float,
    sumsq1: float,
    n2: int,
    sum2: float,
    sumsq2: float,
    *,
    labels: tuple[str, str] = ("x", "y"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """Welch's t from stored running totals (n, Σx, Σx²) per group.

    Σx² − (Σx)²/n loses digits when the mean is large relative to the spread;
    for bounded survey scales (1–5, 0–10) this costs nothing visible, but the
    count-based path is preferred where a histogram exists.
    """
    check_alternative(alternative)
    n1, n2 = count(n1, "n1"), count(n2, "n2")
    sum1, sumsq1 = finite(sum1, "sum1"), finite(sumsq1, "sumsq1")
    sum2, sumsq2 = finite(sum2, "sum2"), finite(sumsq2, "sumsq2")
    check_group_sizes({labels[0]: n1, labels[1]: n2}, min_group_size)
    if n1 < 2 or n2 < 2:
        raise StatsInputError("Welch's t-test needs at least two responses per group")
    m1, m2 = sum1 / n1, sum2 / n2
    v1 = max(0.0, (sumsq1 - sum1 * m1) / (n1 - 1))
    v2 = max(0.0, (sumsq2 - sum2 * m2) / (n2 - 1))
    return welch_core(
        n1,
        m1,
        v1,
        n2,
        m2,
        v2,
        labels=labels,
        alternative=alternative,
        confidence_level=confidence_level,
        outcome=outcome,
    )


def whole_counts(histograms: Mapping[str, Histogram]) -> None:
    """Refuse counts that are negative, fractional or not numbers (never truncate them)."""
    if not isinstance(histograms, Mapping):
        raise StatsInputError("histograms must map each group's name to its histogram")
    for label, hist in histograms.items():
        checked_histogram(hist, str(label))


def _expanded(support: FloatArray, counts: FloatArray) -> FloatArray:
    return np.repeat(support, counts.astype(np.int64))


def mann_whitney_from_counts(
    hx: Histogram,
    hy: Histogram,
    *,
    labels: tuple[str, str] = ("x", "y"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """R's W and p-value from two histograms (tie-corrected mid-ranks)."""
    support, c1, c2 = _two(hx, hy, labels, alternative, min_group_size)
    r = rank_summary_from_counts(c1, c2)
    raw = None
    if not r.has_ties:  # only tiny, tie-free samples reach the exact branch
        raw = (_expanded(support, c1), _expanded(support, c2))
    return mann_whitney_core(
        r,
        labels=labels,
        alternative=alternative,
        confidence_level=confidence_level,
        outcome=outcome,
        raw=raw,
    )


def brunner_munzel_from_counts(
    hx: Histogram,
    hy: Histogram,
    *,
    labels: tuple[str, str] = ("x", "y"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """Brunner–Munzel from two histograms."""
    _, c1, c2 = _two(hx, hy, labels, alternative, min_group_size)
    return brunner_munzel_core(
        rank_summary_from_counts(c1, c2),
        labels=labels,
        alternative=alternative,
        confidence_level=confidence_level,
        outcome=outcome,
    )


def chi_square_from_counts(
    histograms: Mapping[str, Histogram],
    *,
    test: str = "auto",
    min_group_size: int = 5,
) -> TestResult:
    """χ² (or Fisher's exact) on the group × value table built from histograms."""
    whole_counts(histograms)
    values = sorted({float(v) for h in histograms.values() for v in h})
    rows = list(histograms)
    table = [
        [int({float(k): c for k, c in histograms[g].items()}.get(v, 0)) for v in values]
        for g in rows
    ]
    used = [j for j in range(len(values)) if any(row[j] for row in table)]
    table = [[row[j] for j in used] for row in table]
    cols = [f"{values[j]:g}" for j in used]
    return contingency_test(table, rows=rows, cols=cols, test=test, min_group_size=min_group_size)


def kruskal_from_counts(
    histograms: Mapping[str, Histogram],
    *,
    min_group_size: int = 5,
    outcome: str | None = None,
    follow_up: bool = True,
) -> TestResult:
    """Kruskal–Wallis H from histograms, with Holm-adjusted pairwise follow-ups."""
    whole_counts(histograms)
    labels = list(histograms)
    if len(labels) < 2:
        raise StatsInputError("Kruskal-Wallis needs at least two groups")
    values = sorted({float(v) for h in histograms.values() for v in h})
    counts = np.array(
        [
            [float({float(k): c for k, c in histograms[g].items()}.get(v, 0)) for v in values]
            for g in labels
        ],
        dtype=np.float64,
    )
    if np.any(counts < 0):
        raise StatsInputError("histogram counts must not be negative")
    check_group_sizes(
        {g: int(c) for g, c in zip(labels, counts.sum(axis=1), strict=True)}, min_group_size
    )
    total = counts.sum(axis=0)
    midranks = np.concatenate([[0.0], np.cumsum(total)[:-1]]) + (total + 1) / 2
    rank_sums = counts @ midranks
    pairwise = None
    if follow_up and len(labels) > 2:
        pairwise = [
            mann_whitney_from_counts(
                histograms[a], histograms[b], labels=(a, b), min_group_size=min_group_size
            )
            for a, b in combinations(labels, 2)
        ]
    return kruskal_core(
        labels,
        counts.sum(axis=1),
        rank_sums,
        float(np.sum(total**3 - total)),
        outcome=outcome,
        pairwise=pairwise,
    )
