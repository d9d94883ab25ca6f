"""Adjusted p-values match R's p.adjust; Wilson intervals match hand calculation."""

from __future__ import annotations

import pytest

from surveys.stats import (
    adjust_family,
    benjamini_hochberg,
    holm,
    proportion_favourable,
    welch_t,
    wilson_interval,
)


def test_holm_matches_r_p_adjust() -> None:
    # p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") = 0.05 0.08 0.09 0.09 0.09
    assert holm([0.01, 0.02, 0.03, 0.04, 0.05]) == pytest.approx([0.05, 0.08, 0.09, 0.09, 0.09])


def test_holm_keeps_input_order_and_caps_at_one() -> None:
    # sorted 0.001, 0.03, 0.04, 0.2 -> 0.004, 0.09, max(0.08, 0.09), 0.2
    assert holm([0.04, 0.001, 0.03, 0.2]) == pytest.approx([0.09, 0.004, 0.09, 0.2])
    assert holm([0.5, 0.6]) == [1.0, 1.0]


def test_benjamini_hochberg_matches_r_p_adjust() -> None:
    # p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "BH") = 0.05 everywhere
    assert benjamini_hochberg([0.01, 0.02, 0.03, 0.04, 0.05]) == pytest.approx([0.05] * 5)
    # p.adjust(c(0.04, 0.001, 0.03, 0.2), "BH") = 0.05333 0.004 0.05333 0.2
    assert benjamini_hochberg([0.04, 0.001, 0.03, 0.2]) == pytest.approx(
        [0.16 / 3, 0.004, 0.16 / 3, 0.2]
    )


def test_a_family_of_results_gets_adjusted_p_values_and_a_note() -> None:
    a = welch_t([1.0, 2, 3, 4, 5, 6], [3.0, 4, 5, 6, 7, 8])
    b = welch_t([1.0, 2, 3, 4, 5, 6], [1.5, 2, 3, 4, 5, 6])
    adjusted = adjust_family([a, b], "holm")
    assert adjusted[0].pvalue_adjusted == pytest.approx(
        min(1.0, 2 * min(a.pvalue or 1, b.pvalue or 1))
    )
    assert a.pvalue_adjusted is None  # originals are untouched
    assert any("Holm" in note for note in adjusted[1].notes)


def test_wilson_interval_matches_hand_calculation() -> None:
    # 8 of 10: centre (0.8 + z^2/20)/(1 + z^2/10), half-width z/(1+z^2/10)*sqrt(.016 + z^2/400)
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.49016, abs=5e-5)
    assert high == pytest.approx(0.94332, abs=5e-5)


def test_wilson_interval_stays_inside_zero_and_one() -> None:
    low, high = wilson_interval(0, 12)
    assert low == 0.0
    assert 0 < high < 0.3


def test_favourable_means_four_or_five_on_a_likert_item() -> None:
    result = proportion_favourable({1: 2, 2: 3, 3: 5, 4: 6, 5: 4}, label="associates")
    assert result.estimate == pytest.approx(10 / 20)
    assert result.ci == pytest.approx(wilson_interval(10, 20))
    assert result.summary.startswith("50% of associates answered favourably")
