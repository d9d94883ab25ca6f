"""Weighted Welch and difference-in-differences from histograms equal their raw twins."""

from __future__ import annotations

import numpy as np
import pytest

from surveys.stats import difference_in_differences, weighted_welch
from surveys.stats.weighted_counts import (
    difference_in_differences_from_counts,
    weighted_moments_from_counts,
    weighted_welch_from_counts,
)


def histogram(rng: np.random.Generator, top: int = 5) -> dict[float, int]:
    return {float(v): int(rng.integers(0, 12)) for v in range(1, top + 1)}


def expand(h: dict[float, int]) -> np.ndarray:
    return np.repeat(list(h), list(h.values())).astype(float)


@pytest.mark.parametrize("seed", range(6))
def test_weighted_welch_from_weighted_histograms_equals_the_expanded_values(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x_parts = [(histogram(rng), 1.0) for _ in range(3)]
    y_parts = [(histogram(rng, 10), float(rng.uniform(0.2, 3))) for _ in range(3)]
    y_parts.append((histogram(rng, 10), 0.0))  # an unmatched cell: weight 0, left out
    x = np.concatenate([expand(h) for h, _ in x_parts])
    y = np.concatenate([expand(h) for h, _ in y_parts])
    weights = np.concatenate([np.full(sum(h.values()), w) for h, w in y_parts])
    raw = weighted_welch(x, y, y_weights=list(weights))
    counted = weighted_welch_from_counts(x_parts, y_parts)
    assert counted.statistic == pytest.approx(raw.statistic, rel=1e-10)
    assert counted.df == pytest.approx(raw.df, rel=1e-10)
    assert counted.pvalue == pytest.approx(raw.pvalue, rel=1e-9)
    assert counted.n == raw.n
    assert counted.effect_size is not None and raw.effect_size is not None
    assert counted.effect_size.value == pytest.approx(raw.effect_size.value, rel=1e-10)
    assert counted.effect_size.ci == pytest.approx(raw.effect_size.ci, rel=1e-10)
    assert counted.summary == raw.summary


@pytest.mark.parametrize("seed", range(6))
def test_did_from_four_histograms_equals_the_expanded_values(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    rounds = [histogram(rng) for _ in range(4)]
    raw = difference_in_differences(*[list(expand(h)) for h in rounds])
    counted = difference_in_differences_from_counts(*rounds)
    assert counted.estimate == pytest.approx(raw.estimate, rel=1e-10)
    assert counted.pvalue == pytest.approx(raw.pvalue, rel=1e-9)
    assert counted.df == pytest.approx(raw.df, rel=1e-10)
    assert counted.summary == raw.summary


def test_a_single_response_has_no_variance_and_an_empty_part_no_mean() -> None:
    n, e, mean, var = weighted_moments_from_counts([({3.0: 1}, 1.0)])
    assert (n, e, mean) == (1, 1.0, 3.0) and np.isnan(var)
    assert weighted_moments_from_counts([({3.0: 0}, 2.0)])[0] == 0
