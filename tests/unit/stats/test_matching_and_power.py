"""CEM weights, weighted Welch, difference-in-differences and the power warning."""

from __future__ import annotations

import numpy as np
import pytest

from surveys.stats import (
    Person,
    coarsened_exact_match,
    difference_in_differences,
    matched_comparison,
    minimum_detectable_effect,
    tenure_band,
    weighted_welch,
    welch_t,
)


def test_cem_weights_follow_matchit() -> None:
    people = [
        Person(True, "Partner", "Tax", 12, "F"),  # stratum A: 2 treated, 1 control
        Person(True, "Partner", "Tax", 15, "F"),
        Person(False, "Partner", "Tax", 11, "F"),
        Person(True, "Associate", "Tax", 1, "M"),  # stratum B: 1 treated, 3 controls
        Person(False, "Associate", "Tax", 1.5, "M"),
        Person(False, "Associate", "Tax", 0.5, "M"),
        Person(False, "Associate", "Tax", 1, "M"),
        Person(True, "Partner", "IP", 20, "M"),  # no counterpart
        Person(False, "Associate", "IP", 3, "F"),  # no counterpart
    ]
    matching = coarsened_exact_match(people)
    # matched: 3 treated, 4 controls; control weight = (nT_s / nC_s) * (4 / 3)
    assert matching.weights == pytest.approx([1, 1, 2 * 4 / 3, 1, 4 / 9, 4 / 9, 4 / 9, 0, 0])
    assert (matching.n_treated_matched, matching.n_control_matched) == (3, 4)
    assert (matching.n_treated_unmatched, matching.n_control_unmatched) == (1, 1)
    assert "coarsened exact matching" in matching.note()


def test_tenure_is_coarsened_into_bands() -> None:
    assert tenure_band(0) == tenure_band(1.9) == "0-2 years"
    assert tenure_band(2) == "2-5 years"
    assert tenure_band(25) == "10+ years"


def test_weighted_welch_with_equal_weights_is_welch() -> None:
    x, y = [3.0, 4, 5, 4, 3, 5], [2.0, 3, 3, 4, 2, 3, 1]
    plain = welch_t(x, y)
    weighted = weighted_welch(x, y, x_weights=[1.0] * 6, y_weights=[1.0] * 7)
    assert weighted.pvalue == pytest.approx(plain.pvalue)
    assert weighted.df == pytest.approx(plain.df)
    assert "matched comparison" in weighted.test
    assert weighted.summary.startswith("Matched comparison")


def test_weighted_welch_moves_the_mean_towards_heavy_weights() -> None:
    x, y = [3.0, 4, 5, 4, 3, 5], [1.0, 1, 1, 5, 5, 5]
    heavy_high = weighted_welch(x, y, y_weights=[0.1, 0.1, 0.1, 3, 3, 3])
    assert heavy_high.estimate is not None and heavy_high.estimate < 0


def test_difference_in_differences_recovers_a_planted_effect() -> None:
    rng = np.random.default_rng(2024)
    trend, effect = 0.4, 0.5  # everyone improves by 0.4; participants by 0.5 more
    result = difference_in_differences(
        rng.normal(3.0, 1, 4000),
        rng.normal(3.0 + trend + effect, 1, 4000),
        rng.normal(2.5, 1, 4000),
        rng.normal(2.5 + trend, 1, 4000),
    )
    assert result.estimate == pytest.approx(effect, abs=0.1)
    assert result.ci is not None and result.ci[0] < effect < result.ci[1]
    assert result.pvalue is not None and result.pvalue < 1e-6
    assert "change minus" in " ".join(result.notes)
    assert result.summary.startswith("Difference-in-differences")


def test_difference_in_differences_ignores_a_shared_trend() -> None:
    rng = np.random.default_rng(7)
    result = difference_in_differences(
        rng.normal(3.0, 1, 4000),
        rng.normal(4.0, 1, 4000),
        rng.normal(2.0, 1, 4000),
        rng.normal(3.0, 1, 4000),
    )
    assert result.estimate == pytest.approx(0.0, abs=0.1)


def test_minimum_detectable_effect_matches_pwr() -> None:
    # pwr::pwr.t2n.test(n1 = 10, n2 = 10, power = 0.8)$d = 1.324947
    assert minimum_detectable_effect(10, 10) == pytest.approx(1.324947, rel=1e-5)
    # 64 per group is the textbook size for d = 0.5
    assert minimum_detectable_effect(64, 64) == pytest.approx(0.4991, abs=1e-3)


def test_small_groups_carry_a_power_warning_and_large_ones_do_not() -> None:
    rng = np.random.default_rng(1)
    small = welch_t(rng.normal(size=12), rng.normal(size=12))
    large = welch_t(rng.normal(size=80), rng.normal(size=80))
    assert any("moderate effect" in note for note in small.notes)
    assert not any("moderate effect" in note for note in large.notes)
    assert large.extras["minimum_detectable_effect"] < 0.5


def test_matched_comparison_says_so_and_drops_people_without_a_counterpart() -> None:
    people, outcomes = [], []
    for i in range(6):
        people += [
            Person(True, "Partner", "Tax", 12, "F"),
            Person(False, "Partner", "Tax", 11, "F"),
            Person(False, "Associate", "Tax", 1, "M"),
        ]
        outcomes += [4.0 + i % 2, 3.0 + i % 3, 1.0]
    people.append(Person(True, "Counsel", "IP", 4, "M"))  # nobody to match
    outcomes.append(5.0)
    result = matched_comparison(people, outcomes)
    assert result.n == {"participants": 6, "matched comparison group": 6}
    assert result.notes[0].startswith("Matched comparison: coarsened exact matching")
    assert "1 participants and 6 others had no counterpart" in result.notes[0]
    assert result.estimate == pytest.approx(4.5 - 4.0)
