"""Net score (eNPS) and its adjusted Wald interval; Wilson as the inverted score test.

The net score interval is checked three ways: with no adjustment it is the
textbook Wald interval of a trinomial mean (NumPy's variance of the -1/0/+1
scores); with Rocks' adjustment it matches the variance of the difference of
two multinomial proportions written out by hand, agrees with a percentile
bootstrap on a large sample, and covers the true score in a seeded simulation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from surveys.stats import (
    StatsInputError,
    net_score,
    net_score_groups,
    net_score_interval,
    wilson_interval,
)

Z = stats.norm.ppf(0.975)


def test_nine_and_ten_promote_seven_and_eight_are_passive_the_rest_detract() -> None:
    histogram = {0: 1, 6: 2, 7: 3, 8: 4, 9: 5, 10: 6}
    assert net_score_groups(histogram) == (11, 7, 3)
    result = net_score(histogram)
    assert result.n == 21
    assert result.score == pytest.approx(100 * (11 - 3) / 21)


def test_without_adjustment_it_is_the_wald_interval_of_the_trinomial_mean() -> None:
    scores = np.array([1] * 12 + [0] * 5 + [-1] * 8, dtype=float)
    half = Z * math.sqrt(scores.var() / len(scores))  # population variance of -1/0/+1
    low, high = net_score_interval(12, 5, 8, adjustment=0)
    assert low == pytest.approx(scores.mean() - half, abs=1e-12)
    assert high == pytest.approx(scores.mean() + half, abs=1e-12)


def test_adjusted_wald_matches_the_variance_of_a_difference_of_multinomial_proportions() -> None:
    promoters, passives, detractors = 10, 5, 5
    n = promoters + passives + detractors + 3
    p, d = (promoters + 0.75) / n, (detractors + 0.75) / n
    variance = (p * (1 - p) + d * (1 - d) + 2 * p * d) / n  # cov(p, d) = -p d / n
    low, high = net_score_interval(promoters, passives, detractors)
    assert low == pytest.approx(p - d - Z * math.sqrt(variance), abs=1e-12)
    assert high == pytest.approx(p - d + Z * math.sqrt(variance), abs=1e-12)
    result = net_score({9: 10, 7: 5, 3: 5})
    assert result.interval == pytest.approx((100 * low, 100 * high))
    assert result.score == pytest.approx(25.0)


def test_everyone_a_promoter_still_gets_an_interval_not_a_point() -> None:
    low, high = net_score_interval(6, 0, 0)
    assert high == 1.0
    assert low < 0.8
    assert net_score_interval(6, 0, 0, adjustment=0) == (1.0, 1.0)  # what Wald would claim


def test_a_large_sample_agrees_with_a_percentile_bootstrap() -> None:
    rng = np.random.default_rng(15)
    scores = rng.choice([1.0, 0.0, -1.0], size=600, p=[0.45, 0.3, 0.25])
    boot = rng.choice(scores, size=(4000, scores.size)).mean(axis=1)
    counts = [int((scores == v).sum()) for v in (1.0, 0.0, -1.0)]
    low, high = net_score_interval(*counts)
    assert low == pytest.approx(np.quantile(boot, 0.025), abs=0.01)
    assert high == pytest.approx(np.quantile(boot, 0.975), abs=0.01)


def test_the_interval_covers_the_true_score_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(2026)
    probabilities = (0.5, 0.3, 0.2)
    truth = probabilities[0] - probabilities[2]
    draws = rng.multinomial(25, probabilities, size=2000)
    covered = sum(
        low <= truth <= high for low, high in (net_score_interval(*map(int, d)) for d in draws)
    )
    assert 0.93 <= covered / len(draws) <= 0.98


@pytest.mark.parametrize(
    "histogram", [{11: 3}, {-1: 2}, {4.5: 2}, {3: -1}], ids=["11", "-1", "4.5", "negative"]
)
def test_a_histogram_outside_zero_to_ten_is_refused(histogram: dict[float, int]) -> None:
    with pytest.raises(StatsInputError):
        net_score(histogram)


def test_no_answers_is_refused() -> None:
    with pytest.raises(StatsInputError):
        net_score_interval(0, 0, 0)


@pytest.mark.parametrize("successes,n", [(0, 7), (3, 7), (17, 40), (40, 40)])
def test_wilson_is_the_score_test_inverted(successes: int, n: int) -> None:
    """The bounds are the proportions at which the score test's |z| is exactly 1.96."""
    share = successes / n

    def z(p: float) -> float:
        return abs(share - p) / math.sqrt(p * (1 - p) / n) - Z

    low, high = wilson_interval(successes, n)
    if successes > 0:
        assert low == pytest.approx(optimize.brentq(z, 1e-12, share - 1e-12), abs=1e-9)
    else:
        assert low == 0.0
    if successes < n:
        assert high == pytest.approx(optimize.brentq(z, share + 1e-12, 1 - 1e-12), abs=1e-9)
    else:
        assert high == 1.0
