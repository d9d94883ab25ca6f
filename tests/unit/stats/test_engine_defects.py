"""Issue 15's statistics-engine defects: sparse tables, exact Fisher r x c, the Cox
hazard ratio's coverage, and degenerate inputs refused in one line."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from surveys import stats as S
from surveys.stats import StatsInputError
from surveys.stats.cox import cox_binary
from surveys.stats.fisher import fisher_rxc

RunCli = Callable[..., Any]
WriteCsv = Callable[..., Any]


# --- sparse tables (fewer observations than cells) ---------------------------------------


def test_a_two_by_three_table_from_four_rows_runs_on_the_command_line(
    write_csv: WriteCsv, run_in_process: RunCli
) -> None:
    path = write_csv(["g", "a"], [("m", "x"), ("m", "y"), ("n", "y"), ("n", "z")])
    for test in ("chi2", "fisher"):
        out = run_in_process(
            "table", "--csv", str(path), "--row", "g", "--col", "a", "--test", test,
            "--min-group-size", "2", "--json",
        )  # fmt: skip
        assert out.exit_code == 0, out.stderr
        # fisher.test(matrix(c(1, 0, 1, 1, 0, 1), 2)): p-value = 1
        assert out.json()["pvalue"] == pytest.approx(1.0)


def test_two_groups_of_five_on_a_zero_to_ten_question() -> None:
    result = S.chi_square_from_counts(
        {"a": {0: 1, 3: 1, 5: 1, 7: 1, 10: 1}, "b": {1: 1, 2: 1, 4: 1, 6: 1, 9: 1}}
    )
    assert result.test == "Fisher's exact test"
    assert result.pvalue == pytest.approx(1.0)  # every column holds one answer
    assert result.extras["pvalue_method"] == "exact"


def test_chi_square_on_a_sparse_table_reports_the_statistic_with_a_warning() -> None:
    result = S.contingency_test(
        [[1, 1, 0], [0, 1, 1]], rows=["a", "b"], cols=["x", "y", "z"], test="chi2",
        min_group_size=1,
    )  # fmt: skip
    # chisq.test(matrix(c(1, 0, 1, 1, 0, 1), 2)): X-squared = 2, df = 2, p-value = 0.3679
    assert result.statistic == pytest.approx(2.0)
    assert result.df == 2
    assert result.pvalue == pytest.approx(math.exp(-1))
    assert any("approximation may be incorrect" in note for note in result.notes)


# --- exact Fisher r x c ------------------------------------------------------------------


def _tables(rows: tuple[int, ...], cols: tuple[int, ...]) -> Iterator[np.ndarray]:
    """Every table with these margins, by brute force (row by row)."""
    if len(rows) == 1:
        yield np.array([cols])
        return
    ranges = [range(min(rows[0], c) + 1) for c in cols]
    for first in itertools.product(*ranges):
        if sum(first) == rows[0]:
            rest = tuple(c - f for c, f in zip(cols, first, strict=True))
            for tail in _tables(rows[1:], rest):
                yield np.vstack([first, tail])


def _brute_force_p(table: np.ndarray) -> float:
    def log_p(t: np.ndarray) -> float:
        return -sum(math.lgamma(x + 1) for x in t.ravel())

    rows = tuple(int(v) for v in table.sum(axis=1))
    cols = tuple(int(v) for v in table.sum(axis=0))
    n = sum(rows)
    const = sum(math.lgamma(v + 1) for v in (*rows, *cols)) - math.lgamma(n + 1)
    cutoff = log_p(table) + math.log(1 + 1e-7)
    return sum(math.exp(const + log_p(t)) for t in _tables(rows, cols) if log_p(t) <= cutoff)


def test_exact_fisher_agrees_with_every_table_enumerated() -> None:
    rng = np.random.default_rng(15)
    checked = 0
    while checked < 25:
        shape = ((2, 3), (3, 3), (2, 4), (3, 4), (4, 2))[checked % 5]
        table = rng.integers(0, 5, shape)
        if np.any(table.sum(axis=0) == 0) or np.any(table.sum(axis=1) == 0):
            continue
        found = fisher_rxc(table)
        assert found.method == "exact"
        assert found.pvalue == pytest.approx(_brute_force_p(table), rel=1e-9)
        checked += 1


@pytest.mark.parametrize(
    ("table", "r_pvalue"),
    [
        # fisher.test(matrix(c(2, 5, 6, 3, 0, 5), 2))$p.value, R 4.2.2
        ([[2, 6, 0], [5, 3, 5]], 0.0485036119711037),
        # fisher.test(matrix(c(0, 3, 3, 4, 0, 5, 6, 6, 3, 1, 0, 2), 3))$p.value; the old
        # 20,000-draw simulation said 0.0500
        ([[0, 4, 6, 1], [3, 0, 6, 0], [3, 5, 3, 2]], 0.0485424922113991),
    ],
)
def test_the_p_near_0_0485_is_exact_and_below_0_05(table: list[list[int]], r_pvalue: float) -> None:
    result = S.contingency_test(
        table, rows=[f"g{i}" for i in range(len(table))],
        cols=[f"c{j}" for j in range(len(table[0]))], min_group_size=1,
    )  # fmt: skip
    assert result.test == "Fisher's exact test"
    assert result.pvalue == pytest.approx(r_pvalue, rel=1e-9)
    assert result.pvalue is not None and result.pvalue < 0.05


def test_p_can_go_far_below_the_old_simulation_floor() -> None:
    found = fisher_rxc([[12, 0, 0], [0, 12, 0], [0, 0, 12]])
    assert found.method == "exact"
    assert found.pvalue < 1e-12


def test_beyond_the_limit_the_p_value_is_labelled_simulated_with_its_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("surveys.stats.fisher.EXACT_LIMIT", 10)
    result = S.contingency_test(
        [[2, 6, 0], [5, 3, 5]], rows=["a", "b"], cols=["x", "y", "z"], min_group_size=1
    )
    assert result.test == "Fisher's exact test (simulated p-value)"
    data = result.to_dict()
    assert data["pvalue_method"] == "simulated"
    assert data["simulations"] == 20_000
    se = data["pvalue_mc_se"]
    assert se == pytest.approx(math.sqrt(data["pvalue"] * (1 - data["pvalue"]) / 20_000))
    assert abs(data["pvalue"] - 0.0485036119711037) < 4 * se
    assert any("SIMULATED" in note for note in data["notes"])


# --- Cox hazard ratio --------------------------------------------------------------------


def test_the_cox_interval_covers_a_true_ratio_of_0_35_with_few_events() -> None:
    """2,000 seeded trials, 15 per group followed to t = 1.5 (about 18 events each)."""
    runs, n, ratio, follow = 2_000, 15, 0.35, 1.5
    rng = np.random.default_rng(2015)
    ta = rng.exponential(1 / ratio, (runs, n))
    tb = rng.exponential(1.0, (runs, n))
    covered, events = 0, 0.0
    for a, b in zip(ta, tb, strict=True):
        ea, eb = (a <= follow).astype(float), (b <= follow).astype(float)
        events += float(ea.sum() + eb.sum())
        fit = cox_binary(np.minimum(a, follow), ea, np.minimum(b, follow), eb)
        if fit is not None:  # no finite estimate counts as a miss
            low, high = fit.interval(1.959963984540054)
            covered += low <= ratio <= high
    assert events / runs < 20
    assert covered / runs >= 0.93


def test_survival_comparison_reports_the_cox_ratio() -> None:
    # coxph(Surv(t, e) ~ g), g = 1 for a: coef -1.332428492, se 0.7047541603
    # (R 4.2.2, survival 3.5.3)
    a = ([1, 3, 4, 6, 8, 9, 12, 14], [1, 0, 1, 1, 0, 1, 0, 0])
    b = ([1, 2, 2, 3, 4, 5, 7, 8], [1, 1, 1, 0, 1, 1, 1, 1])
    result = S.survival_comparison({"a": a, "b": b}, min_group_size=1)
    assert result.effect_size is not None
    assert result.effect_size.name == "hazard ratio (Cox model, Wald interval)"
    cox = result.extras["cox"]
    assert cox["coef"] == pytest.approx(-1.332428492, rel=1e-8)
    assert cox["se"] == pytest.approx(0.7047541603, rel=1e-8)
    assert result.effect_size.value == pytest.approx(math.exp(cox["coef"]))
    low, high = result.effect_size.ci or (0.0, 0.0)
    assert low == pytest.approx(math.exp(cox["coef"] - 1.959963984540054 * cox["se"]))
    assert high == pytest.approx(math.exp(cox["coef"] + 1.959963984540054 * cox["se"]))


def test_no_events_in_one_group_gives_no_hazard_ratio_and_says_why() -> None:
    a = ([1, 3, 4, 6, 8], [0, 0, 0, 0, 0])
    b = ([1, 2, 2, 3, 4], [1, 1, 1, 0, 1])
    result = S.survival_comparison({"a": a, "b": b}, min_group_size=1)
    assert result.effect_size is None
    assert any("No hazard ratio" in note for note in result.notes)


# --- degenerate inputs --------------------------------------------------------------------


def test_difference_in_differences_with_every_answer_equal_is_refused() -> None:
    with pytest.raises(StatsInputError, match="no variation"):
        S.difference_in_differences([3] * 6, [3] * 6, [3] * 6, [3] * 6)


@pytest.mark.parametrize("fn", [S.chi_square_from_counts, S.kruskal_from_counts])
def test_fractional_histogram_counts_are_refused_not_truncated(fn: Callable[..., Any]) -> None:
    with pytest.raises(StatsInputError, match="not a whole number"):
        fn({"a": {1: 2.5, 2: 3}, "b": {1: 3, 2: 4}}, min_group_size=1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: S.welch_t([1e308, -1e308, 1e308, 5, 6], [1, 2, 3, 4, 5], min_group_size=1),
        lambda: S.paired_t([1e308, -1e308, 1e308, 5, 6], [1, 2, 3, 4, 5], min_group_size=1),
        lambda: S.welch_t_from_counts({1e308: 3, -1e308: 3}, {1: 3, 2: 3}, min_group_size=1),
        lambda: S.weighted_welch([1e308, -1e308, 1e308, 5, 6], [1, 2, 3, 4, 5], min_group_size=1),
        lambda: S.difference_in_differences(
            [1e308] * 3 + [1.0] * 3, [1.0] * 6, [1.0] * 6, [2.0, 1.0] * 3
        ),  # fmt: skip
    ],
)
def test_values_near_1e308_are_refused(call: Callable[[], Any]) -> None:
    with pytest.raises(StatsInputError, match="too large to analyse"):
        call()


def test_huge_values_on_the_command_line_exit_2_in_one_line(
    write_csv: WriteCsv, run_in_process: RunCli
) -> None:
    rows = [("a", v) for v in (1e308, -1e308, 1e308, 5, 6)] + [("b", v) for v in range(1, 6)]
    path = write_csv(["group", "value"], rows)
    out = run_in_process(
        "two-sample", "--csv", str(path), "--group", "group", "--value", "value",
        "--test", "welch", "--min-group-size", "2",
    )  # fmt: skip
    assert out.exit_code == 2
    assert out.stderr.count("\n") == 1 and "too large to analyse" in out.stderr
    assert "Traceback" not in out.stderr
