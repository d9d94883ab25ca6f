"""Rank summaries for two samples, from raw values or from histograms.

Mann–Whitney, Brunner–Munzel and Cliff's delta need only a handful of numbers
derived from mid-ranks: each group's mean combined rank, the Brunner–Munzel
placement variances and the tie term. Computing those numbers from counts per
value gives exactly the answer SciPy gets from the expanded raw data, at a cost
that depends on the number of distinct values rather than on the number of
responses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from surveys.stats.result import StatsInputError

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RankSummary:
    """What rank-based two-sample tests need; ``x`` is the first sample, as in R."""

    n1: int
    n2: int
    mean_rank1: float  #: mean rank of x's values in the combined sample
    mean_rank2: float
    s1sq: float  #: Brunner–Munzel placement variance of x
    s2sq: float
    tie_sum: float  #: sum over tied groups of t**3 - t (combined sample)

    @property
    def w(self) -> float:
        """R's W: rank sum of x minus n1(n1+1)/2 (= #(X>Y) + ½#(X=Y))."""
        return self.n1 * self.mean_rank1 - self.n1 * (self.n1 + 1) / 2

    @property
    def has_ties(self) -> bool:
        return self.tie_sum > 0

    @property
    def p_hat(self) -> float:
        """Brunner–Munzel's estimate of P(X<Y) + ½P(X=Y)."""
        return (self.mean_rank2 - (self.n2 + 1) / 2) / self.n1

    @property
    def placement_variance(self) -> float:
        """n1·S1² + n2·S2², the quantity under the Brunner–Munzel square root."""
        return self.n1 * self.s1sq + self.n2 * self.s2sq


LARGEST = 1e75
"""Values beyond ±LARGEST are refused: Welch's df squares the variance (a
fourth power of the values), which overflows near 1e77, and an infinite variance
would make t zero and p one, a confident sentence about nothing."""


def too_large(label: str) -> StatsInputError:
    """The one-line refusal for values whose arithmetic would overflow."""
    return StatsInputError(
        f"group {label!r} holds values beyond ±1e75, too large to analyse; rescale them"
    )


def as_sample(values: Sequence[float] | FloatArray, label: str) -> FloatArray:
    """A 1-D float array with only finite values, or a clear error naming the group."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise StatsInputError(f"group {label!r} must be a flat list of numbers")
    if not np.all(np.isfinite(arr)):
        raise StatsInputError(f"group {label!r} contains missing or infinite values")
    if arr.size and float(np.max(np.abs(arr))) > LARGEST:
        raise too_large(label)
    return arr


def rank_summary(x: FloatArray, y: FloatArray) -> RankSummary:
    """Rank summary of two raw samples (mid-ranks for ties)."""
    n1, n2 = len(x), len(y)
    combined = rankdata(np.concatenate([x, y]))
    r1, r2 = combined[:n1], combined[n1:]
    m1, m2 = float(r1.mean()), float(r2.mean())
    s1 = float(np.sum((r1 - rankdata(x) - m1 + (n1 + 1) / 2) ** 2) / (n1 - 1)) if n1 > 1 else 0.0
    s2 = float(np.sum((r2 - rankdata(y) - m2 + (n2 + 1) / 2) ** 2) / (n2 - 1)) if n2 > 1 else 0.0
    _, counts = np.unique(np.concatenate([x, y]), return_counts=True)
    t = counts.astype(np.float64)
    return RankSummary(n1, n2, m1, m2, s1, s2, float(np.sum(t**3 - t)))


def _midranks(counts: FloatArray) -> FloatArray:
    """Mid-rank of each value given counts per (sorted) value."""
    before = np.concatenate([[0.0], np.cumsum(counts)[:-1]])
    return before + (counts + 1) / 2


def aligned_counts(
    hx: Mapping[float, int], hy: Mapping[float, int], labels: tuple[str, str]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Sorted support of both histograms and each group's counts on it."""
    for hist, label in ((hx, labels[0]), (hy, labels[1])):
        for value, count in hist.items():
            if count < 0 or int(count) != count:
                raise StatsInputError(f"group {label!r}: count for {value!r} is not a whole number")
            if not np.isfinite(value):
                raise StatsInputError(f"group {label!r}: value {value!r} is not a number")
            if abs(value) > LARGEST:
                raise too_large(label)
    fx = {float(k): float(v) for k, v in hx.items()}
    fy = {float(k): float(v) for k, v in hy.items()}
    values = sorted(set(fx) | set(fy))
    support = np.array(values, dtype=np.float64)
    c1 = np.array([fx.get(v, 0.0) for v in values], dtype=np.float64)
    c2 = np.array([fy.get(v, 0.0) for v in values], dtype=np.float64)
    return support, c1, c2


def rank_summary_from_counts(c1: FloatArray, c2: FloatArray) -> RankSummary:
    """Rank summary from counts per value on a shared sorted support."""
    n1, n2 = int(c1.sum()), int(c2.sum())
    t = c1 + c2
    combined = _midranks(t)
    within1, within2 = _midranks(c1), _midranks(c2)
    m1 = float(np.dot(c1, combined) / n1)
    m2 = float(np.dot(c2, combined) / n2)
    d1 = combined - within1 - m1 + (n1 + 1) / 2
    d2 = combined - within2 - m2 + (n2 + 1) / 2
    s1 = float(np.dot(c1, d1**2) / (n1 - 1)) if n1 > 1 else 0.0
    s2 = float(np.dot(c2, d2**2) / (n2 - 1)) if n2 > 1 else 0.0
    return RankSummary(n1, n2, m1, m2, s1, s2, float(np.sum(t**3 - t)))
