"""Matched comparisons and difference-in-differences from histograms, at any size.

The dashboard holds answers only as released histograms. Expanding them into
one value per response would make a comparison cost grow with the number of
responses; here the same weighted moments are computed per distinct value, so
the results equal :func:`~surveys.stats.weighted.weighted_welch` and
:func:`~surveys.stats.did.difference_in_differences` on the expanded
values (the unit tests check it) at the cost of the histogram's few values.
A weighted part is a histogram whose every response carries one weight (a
cohort cell under CEM weights).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from surveys.stats.did import did_core
from surveys.stats.result import StatsInputError, TestResult
from surveys.stats.weighted import Moments, weighted_welch_core

Histogram = Mapping[float, int]
WeightedParts = Sequence[tuple[Histogram, float]]


def weighted_moments_from_counts(parts: WeightedParts) -> Moments:
    """(count, Kish effective n, weighted mean, reliability-weighted variance).

    Equal to :func:`~surveys.stats.weighted.weighted_moments` on the values the
    parts describe, each response weighted by its part's weight; unweighted
    data is one part of weight 1.
    """
    for histogram, weight in parts:
        if not weight >= 0 or any(c < 0 for c in histogram.values()):
            raise StatsInputError("weights and counts must be non-negative")
    kept = [(h, w) for h, w in parts if w > 0]
    count = sum(c for h, _ in kept for c in h.values())
    if count == 0:
        return 0, 0.0, float("nan"), float("nan")
    total = sum(w * c for h, w in kept for c in h.values())
    total_sq = sum(w * w * c for h, w in kept for c in h.values())
    mean = sum(w * c * v for h, w in kept for v, c in h.items()) / total
    denom = total - total_sq / total
    spread = sum(w * c * (v - mean) ** 2 for h, w in kept for v, c in h.items())
    var = spread / denom if denom > 0 else float("nan")
    if all(w == 1 for _, w in kept):
        return count, float(count), mean, var
    return count, total**2 / total_sq, mean, var


def weighted_welch_from_counts(
    x: WeightedParts,
    y: WeightedParts,
    *,
    labels: tuple[str, str] = ("participants", "matched comparison group"),
    alternative: str = "two-sided",
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
    comparison: str = "matched comparison (CEM weights)",
) -> TestResult:
    """:func:`~surveys.stats.weighted.weighted_welch` on weighted histograms."""
    return weighted_welch_core(
        weighted_moments_from_counts(x),
        weighted_moments_from_counts(y),
        labels=labels,
        alternative=alternative,
        confidence_level=confidence_level,
        min_group_size=min_group_size,
        outcome=outcome,
        comparison=comparison,
    )


def difference_in_differences_from_counts(
    treated_before: Histogram,
    treated_after: Histogram,
    control_before: Histogram,
    control_after: Histogram,
    *,
    labels: tuple[str, str] = ("participants", "the comparison group"),
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
    periods: tuple[str, str] = ("baseline", "follow-up"),
) -> TestResult:
    """:func:`~surveys.stats.did.difference_in_differences` on four histograms."""
    named = {
        "treated baseline": treated_before,
        "treated follow-up": treated_after,
        "comparison baseline": control_before,
        "comparison follow-up": control_after,
    }
    stats = {name: weighted_moments_from_counts([(h, 1.0)]) for name, h in named.items()}
    return did_core(
        stats,
        labels=labels,
        confidence_level=confidence_level,
        min_group_size=min_group_size,
        outcome=outcome,
        periods=periods,
    )
