"""Tests computed from histograms equal SciPy on the expanded raw responses."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import assume, given, settings
from hypothesis import strategies as hs

from surveys.stats import (
    brunner_munzel_from_counts,
    chi_square_from_counts,
    kruskal_from_counts,
    mann_whitney_from_counts,
    welch_t_from_counts,
    welch_t_from_moments,
)

REL = 1e-9
# SciPy, the reference here, warns when one sample is constant (e.g. [5, 5]): its own
# moments lose precision, ours are exact counts. The comparison still holds at REL.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Precision loss occurred in moment calculation:RuntimeWarning"
)
SCALES = {"likert": list(range(1, 6)), "zero_to_ten": list(range(0, 11))}


@hs.composite
def histograms(draw: hs.DrawFn, groups: int = 2, max_count: int = 60) -> list[dict[int, int]]:
    """Random histograms on one scale (1-5 or 0-10), each group with at least 2 responses."""
    scale = SCALES[draw(hs.sampled_from(sorted(SCALES)))]
    out = []
    for _ in range(groups):
        counts = draw(hs.lists(hs.integers(0, max_count), min_size=len(scale), max_size=len(scale)))
        assume(sum(counts) >= 2)
        out.append(dict(zip(scale, counts, strict=True)))
    return out


def expand(hist: dict[int, int]) -> np.ndarray:
    return np.repeat(np.array(list(hist), dtype=np.float64), list(hist.values()))


def varied(*samples: np.ndarray) -> bool:
    return len(np.unique(np.concatenate(samples))) > 1


@settings(max_examples=200, deadline=None)
@given(histograms(), hs.sampled_from(["two-sided", "less", "greater"]))
def test_welch_from_counts_equals_scipy_on_raw_values(
    hists: list[dict[int, int]], alternative: str
) -> None:
    x, y = expand(hists[0]), expand(hists[1])
    assume(np.var(x) + np.var(y) > 0)
    ours = welch_t_from_counts(*hists, alternative=alternative, min_group_size=2)
    theirs = st.ttest_ind(x, y, equal_var=False, alternative=alternative)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=REL)
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=REL)
    assert ours.df == pytest.approx(theirs.df, rel=REL)


@settings(max_examples=100, deadline=None)
@given(histograms())
def test_welch_from_running_totals_equals_scipy(hists: list[dict[int, int]]) -> None:
    x, y = expand(hists[0]), expand(hists[1])
    assume(np.var(x) > 0 and np.var(y) > 0)
    ours = welch_t_from_moments(
        len(x), x.sum(), (x**2).sum(), len(y), y.sum(), (y**2).sum(), min_group_size=2
    )
    theirs = st.ttest_ind(x, y, equal_var=False)
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-7)


@settings(max_examples=200, deadline=None)
@given(histograms(), hs.sampled_from(["two-sided", "less", "greater"]))
def test_mann_whitney_from_counts_equals_scipy_with_rs_rules(
    hists: list[dict[int, int]], alternative: str
) -> None:
    x, y = expand(hists[0]), expand(hists[1])
    assume(varied(x, y))
    ours = mann_whitney_from_counts(*hists, alternative=alternative, min_group_size=2)
    ties = len(np.unique(np.concatenate([x, y]))) < len(x) + len(y)
    method = "asymptotic" if ties or len(x) >= 50 or len(y) >= 50 else "exact"
    theirs = st.mannwhitneyu(x, y, alternative=alternative, method=method, use_continuity=True)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=REL)
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=REL)


@settings(max_examples=200, deadline=None)
@given(histograms(), hs.sampled_from(["two-sided", "less", "greater"]))
def test_brunner_munzel_from_counts_equals_scipy(
    hists: list[dict[int, int]], alternative: str
) -> None:
    x, y = expand(hists[0]), expand(hists[1])
    assume(varied(x, y))
    ours = brunner_munzel_from_counts(*hists, alternative=alternative, min_group_size=2)
    assume(ours.pvalue is not None)  # zero variance: SciPy returns NaN with a warning
    theirs = st.brunnermunzel(x, y, alternative=alternative)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=REL)
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=REL)


@settings(max_examples=200, deadline=None)
@given(hs.integers(2, 4).flatmap(lambda k: histograms(groups=k)))
def test_kruskal_from_counts_equals_scipy(hists: list[dict[int, int]]) -> None:
    samples = [expand(h) for h in hists]
    assume(varied(*samples))
    ours = kruskal_from_counts({f"g{i}": h for i, h in enumerate(hists)}, min_group_size=2)
    theirs = st.kruskal(*samples)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=REL, abs=1e-12)
    if np.isnan(theirs.pvalue):  # SciPy: H rounds to just below 0 for identical groups
        assert ours.pvalue == 1.0
    else:
        assert ours.pvalue == pytest.approx(theirs.pvalue, rel=REL)


@settings(max_examples=200, deadline=None)
@given(hs.integers(2, 4).flatmap(lambda k: histograms(groups=k)))
def test_chi_square_from_counts_equals_scipy(hists: list[dict[int, int]]) -> None:
    table = np.array([list(h.values()) for h in hists])
    table = table[:, table.sum(axis=0) > 0]
    assume(table.shape[1] >= 2)
    ours = chi_square_from_counts(
        {f"g{i}": h for i, h in enumerate(hists)}, test="chi2", min_group_size=2
    )
    theirs = st.chi2_contingency(table, correction=True)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=REL)
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=REL)
    assert ours.df == theirs.dof
