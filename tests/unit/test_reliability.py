"""Reliability from sufficient statistics equals a recomputation from the rows."""

from __future__ import annotations

import numpy as np
import pytest

from surveys.definitions.scale_library import ScaleLibrary
from surveys.stats.reliability import ItemMoments, cronbach_alpha, omega_total
from surveys.stats.result import StatsInputError


def _rows(seed: int, n: int, items: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=n)
    raw = 3 + np.outer(factor, rng.uniform(0.4, 1.0, items)) + rng.normal(size=(n, items))
    return np.clip(np.round(raw), 1, 5)


def test_alpha_from_moments_equals_the_textbook_formula_on_the_rows() -> None:
    rows = _rows(1, 80, 6)
    moments = ItemMoments.from_rows(rows.tolist(), 6)
    item_var = rows.var(axis=0, ddof=1).sum()
    total_var = rows.sum(axis=1).var(ddof=1)
    alpha, (low, high) = cronbach_alpha(moments)
    assert alpha == pytest.approx(6 / 5 * (1 - item_var / total_var), rel=1e-12)
    assert low < alpha < high
    assert np.allclose(moments.covariance(), np.cov(rows, rowvar=False))


def test_moments_pool_by_addition_and_rows_with_gaps_are_left_out() -> None:
    rows = _rows(2, 60, 4).tolist()
    gappy = [*rows, [1.0, None, 3.0, 4.0]]
    whole = ItemMoments.from_rows(gappy, 4)
    pooled = ItemMoments.from_rows(rows[:25], 4) + ItemMoments.from_rows(rows[25:], 4)
    assert whole.n == pooled.n == 60
    assert np.allclose(whole.covariance(), pooled.covariance())
    assert cronbach_alpha(whole)[0] == pytest.approx(cronbach_alpha(pooled)[0], rel=1e-12)


def test_omega_of_congeneric_items_recovers_the_model_value() -> None:
    rng = np.random.default_rng(3)
    loadings = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    n = 20_000
    rows = np.outer(rng.normal(size=n), loadings) + rng.normal(size=(n, 5)) * np.sqrt(
        1 - loadings**2
    )
    truth = loadings.sum() ** 2 / (loadings.sum() ** 2 + (1 - loadings**2).sum())
    moments = ItemMoments.from_rows(rows.tolist(), 5)
    assert omega_total(moments) == pytest.approx(truth, abs=0.01)
    # Tau-equivalent items: omega equals alpha.
    equal = np.outer(rng.normal(size=n), [0.7] * 4) + rng.normal(size=(n, 4)) * np.sqrt(0.51)
    same = ItemMoments.from_rows(equal.tolist(), 4)
    assert omega_total(same) == pytest.approx(cronbach_alpha(same)[0], abs=0.01)


def test_reliability_refuses_what_it_cannot_compute() -> None:
    with pytest.raises(StatsInputError, match="at least two complete responses"):
        cronbach_alpha(ItemMoments.from_rows([[1, 2, 3]], 3))
    flat = ItemMoments.from_rows([[3, 3, 3]] * 10, 3)
    with pytest.raises(StatsInputError, match="must vary"):
        cronbach_alpha(flat)
    with pytest.raises(StatsInputError, match="3 answers"):
        ItemMoments.from_rows([[1, 2]], 3)
    with pytest.raises(StatsInputError, match="at least three items"):
        omega_total(ItemMoments.from_rows(_rows(4, 40, 2).tolist(), 2))
    with pytest.raises(StatsInputError, match="finite"):
        ItemMoments.from_rows([[1, float("nan"), 3]], 3)


def test_the_shipped_scale_scores_feed_reliability_after_reverse_keying() -> None:
    scale = ScaleLibrary.load().current("flipside_inclusion_climate")
    rows = _rows(5, 100, len(scale.items))
    keys = scale.item_keys()
    reversed_rows = [
        [6 - v if item.reverse else v for v, item in zip(row, scale.items, strict=True)]
        for row in rows.tolist()
    ]
    keyed = [
        [scale.keyed(k, int(v)) for k, v in zip(keys, row, strict=True)] for row in reversed_rows
    ]
    assert np.array_equal(np.array(keyed), rows)
    for row, original in zip(reversed_rows, rows, strict=True):
        score = scale.score(dict(zip(keys, (int(v) for v in row), strict=True)))["total"]
        assert score == pytest.approx(original.mean())


def test_omega_refuses_linearly_dependent_items_and_huge_answers() -> None:
    rows = _rows(6, 40, 2)
    dependent = [[a, b, a + b] for a, b in rows.tolist()]
    with pytest.raises(StatsInputError, match="linear combinations"):
        omega_total(ItemMoments.from_rows(dependent, 3))
    assert np.isfinite(cronbach_alpha(ItemMoments.from_rows(dependent, 3))[0])
    with pytest.raises(StatsInputError, match="not scale answers"):
        ItemMoments.from_rows([[1.0, 2.0, 1e300]], 3)
