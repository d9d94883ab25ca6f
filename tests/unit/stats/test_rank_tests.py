"""Rank tests reproduce R's wilcox.test examples (W and V, exact and approximate)."""

from __future__ import annotations

import pytest

from surveys.stats import brunner_munzel, mann_whitney, wilcoxon_signed_rank

# R's ?wilcox.test examples (Hollander & Wolfe).
DEPRESSION_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
DEPRESSION_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
PERMEABILITY_X = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
PERMEABILITY_Y = [1.15, 0.88, 0.90, 0.74, 1.21]


def test_signed_rank_is_exact_without_ties_as_in_r() -> None:
    # wilcox.test(x, y, paired = TRUE, alternative = "greater"): V = 40, p-value = 0.01953
    result = wilcoxon_signed_rank(DEPRESSION_X, DEPRESSION_Y, alternative="greater")
    assert result.statistic == 40
    assert result.pvalue == pytest.approx(0.01953, rel=5e-4)
    assert any("Exact" in note for note in result.notes)


def test_signed_rank_drops_zeros_and_uses_the_corrected_normal_approximation() -> None:
    # R: wilcox.test(sleep x, sleep y, paired = TRUE): V = 0, p-value = 0.009091
    x = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    y = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    result = wilcoxon_signed_rank(x, y)
    assert result.statistic == 0
    assert result.pvalue == pytest.approx(0.009091, rel=5e-4)
    assert result.n == {"pairs": 10}
    assert result.extras["nonzero_differences"] == 9


def test_rank_sum_is_exact_for_small_samples_without_ties() -> None:
    # wilcox.test(x, y, alternative = "g"): W = 35, p-value = 0.1272
    result = mann_whitney(PERMEABILITY_X, PERMEABILITY_Y, alternative="greater")
    assert result.statistic == 35
    assert result.pvalue == pytest.approx(0.1272, rel=5e-4)


def test_w_belongs_to_the_first_group_named() -> None:
    forwards = mann_whitney(PERMEABILITY_X, PERMEABILITY_Y)
    backwards = mann_whitney(PERMEABILITY_Y, PERMEABILITY_X)
    assert forwards.statistic == 35
    assert backwards.statistic == 10 * 5 - 35
    assert forwards.pvalue == pytest.approx(backwards.pvalue)


def test_cliffs_delta_counts_wins_minus_losses_with_an_interval() -> None:
    result = mann_whitney([1.0, 2, 3, 4, 5], [3.0, 4, 5, 6, 7], min_group_size=5)
    # wins 3, ties 3 (count half), losses 19 of 25 pairs -> delta = (3 - 19) / 25
    assert result.effect_size is not None
    assert result.effect_size.value == pytest.approx(-16 / 25)
    assert result.effect_size.ci is not None
    low, high = result.effect_size.ci
    assert -1 <= low < -16 / 25 < high <= 1


def test_brunner_munzel_estimates_the_probability_y_is_higher() -> None:
    result = brunner_munzel([1.0, 2, 3, 4, 5], [3.0, 4, 5, 6, 7])
    # P(X<Y) + 0.5 P(X=Y) = (19 + 0.5 * 3) / 25
    assert result.estimate == pytest.approx(20.5 / 25)
    assert result.df is not None and result.df > 0


def test_brunner_munzel_without_overlap_gives_no_p_value_but_says_why() -> None:
    result = brunner_munzel([1.0, 1, 2, 2, 2], [5.0, 5, 6, 6, 7])
    assert result.pvalue is None
    assert result.estimate == 1.0
    assert any("do not overlap" in note for note in result.notes)


def test_brunner_munzel_reproduces_lawstat_on_the_pain_scores() -> None:
    # lawstat::brunner.munzel.test(Y, N) (Neubert & Brunner 2007): statistic 3.1375,
    # df 17.683, p-value 0.005786, 95% CI 0.5952169 to 0.9827052, estimate 0.788961
    treated = [1.0, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 1, 1]
    control = [3.0, 3, 4, 3, 1, 2, 3, 1, 1, 5, 4]
    result = brunner_munzel(treated, control)
    assert result.statistic == pytest.approx(3.1375, rel=5e-4)
    assert result.df == pytest.approx(17.683, rel=5e-4)
    assert result.pvalue == pytest.approx(0.005786, rel=5e-4)
    assert result.estimate == pytest.approx(0.788961, rel=5e-4)
    assert result.ci == pytest.approx((0.5952169, 0.9827052), rel=5e-4)
