"""The DP release: every cohort listed, accuracy from OpenDP's own formula, values clamped."""

from __future__ import annotations

import opendp.prelude as opendp

from surveys.definitions import catalogue
from surveys.export import dp

CLIMATE = catalogue().get("climate", 1)
SCALARS = [q.key for q in CLIMATE.questions if q.is_scalar]


def test_every_cohort_is_released_with_a_count_and_a_mean_per_question() -> None:
    out = dp.release(CLIMATE, ("mentor", "mentee", "comparison"), {"mentor": 50}, {}, 1.0)
    cohorts = {r.cohort for r in out}
    assert cohorts == {"mentor", "mentee", "comparison"}  # the empty ones too
    per_cohort = [r for r in out if r.cohort == "mentee"]
    assert len(per_cohort) == 1 + 2 * len(SCALARS)


def test_the_epsilon_is_split_over_a_cohorts_measurements_and_accuracy_is_opendps() -> None:
    out = dp.release(CLIMATE, ("mentor",), {"mentor": 40}, {}, 0.5)
    each = 0.5 / dp.measurements_per_cohort(CLIMATE)
    count = next(r for r in out if r.statistic == "count")
    assert count.epsilon == each
    expected = opendp.discrete_laplacian_scale_to_accuracy(1 / each, 0.05)
    assert count.accuracy_95 == expected


def test_with_a_large_epsilon_the_release_is_close_to_the_truth_and_means_stay_in_range() -> None:
    question = SCALARS[0]
    lo, hi = CLIMATE.question(question).value_range
    histograms = {("mentor", question): {4: 500, 5: 500, 99: 3}}  # 99 is clamped to hi
    out = dp.release(CLIMATE, ("mentor",), {"mentor": 1003}, histograms, 1.0)
    count = next(r for r in out if r.statistic == "count")
    mean = next(r for r in out if r.statistic == "mean" and r.question == question)
    assert abs(count.value - 1003) <= 5 * count.accuracy_95
    assert lo <= mean.value <= hi
    assert abs(mean.value - (4 * 500 + 5 * 503) / 1003) <= 5 * mean.accuracy_95
