"""Results serialise to plain JSON, and the command line prints what researchers need."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from surveys.stats import EffectSize, TestResult, kruskal_wallis, survival_comparison, welch_t


def test_to_dict_turns_nan_and_infinity_into_null() -> None:
    result = TestResult(
        test="t",
        statistic=math.nan,
        pvalue=0.5,
        n={"a": 5},
        summary="s",
        ci=(-math.inf, 1.0),
        effect_size=EffectSize("g", math.nan, None),
    )
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["statistic"] is None
    assert data["ci"] == [None, 1.0]
    assert data["effect_size"] == {"name": "g", "value": None, "ci": None}


def test_every_result_carries_the_promised_fields() -> None:
    data = welch_t([1.0, 2, 3, 4, 5], [2.0, 3, 4, 5, 6]).to_dict()
    for key in (
        "test",
        "statistic",
        "df",
        "pvalue",
        "pvalue_adjusted",
        "n",
        "effect_size",
        "ci",
        "notes",
        "summary",
    ):
        assert key in data
    assert data["n"] == {"x": 5, "y": 5}


def test_the_summary_is_one_plain_sentence_with_the_direction() -> None:
    result = welch_t(
        [4.0, 5, 4, 5, 4, 5] * 5,
        [3.0, 4, 3, 4, 3, 4] * 5,
        labels=("Participants", "others"),
        outcome="belonging",
    )
    assert result.summary.startswith(
        "Participants scored 1.00 points higher than others on belonging (95% CI"
    )
    assert "would be unusual by chance (p < 0.001)." in result.summary


def test_kruskal_follow_ups_are_holm_adjusted() -> None:
    groups = {"a": [1.0, 2, 3, 4, 5], "b": [6.0, 7, 8, 9, 10], "c": [11.0, 12, 13, 14, 15]}
    result = kruskal_wallis(groups)
    pairs = result.extras["pairwise"]
    assert [p["groups"] for p in pairs] == [["a", "b"], ["a", "c"], ["b", "c"]]
    # three identical exact p-values (0.007937) -> Holm multiplies the smallest by 3
    assert pairs[0]["pvalue_adjusted"] == pytest.approx(3 * pairs[0]["pvalue"])


def test_log_rank_with_three_groups_has_two_degrees_of_freedom() -> None:
    result = survival_comparison(
        {
            "a": ([1.0, 2, 3, 4, 5], [1, 1, 1, 0, 1]),
            "b": ([2.0, 4, 6, 8, 10], [1, 0, 1, 1, 0]),
            "c": ([5.0, 10, 15, 20, 25], [0, 1, 1, 0, 1]),
        }
    )
    assert result.df == 2
    assert result.pvalue is not None and 0 < result.pvalue < 1
    assert result.effect_size is None


def test_text_output_is_a_readable_table(
    write_csv: Callable[..., Path], run_in_process: Callable[..., Any]
) -> None:
    rows = [("b", v) for v in (1, 2, 3, 4, 5)] + [("a", v) for v in (3, 4, 5, 6, 7)]
    path = write_csv(["team", "score"], rows)
    outcome = run_in_process(
        "two-sample", "--csv", str(path), "--group", "team", "--value", "score", "--test", "welch"
    )
    assert outcome.exit_code == 0
    assert "Welch two-sample t-test" in outcome.stdout
    assert "p-value" in outcome.stdout
    assert "a scored 2.00 points higher than b on score" in outcome.stdout


def test_groups_option_chooses_which_group_is_x(
    write_csv: Callable[..., Path], run_in_process: Callable[..., Any]
) -> None:
    rows = [("b", v) for v in (1, 2, 3, 4, 5)] + [("a", v) for v in (3, 4, 5, 6, 7)]
    path = str(write_csv(["team", "score"], rows))
    base = [
        "two-sample",
        "--csv",
        path,
        "--group",
        "team",
        "--value",
        "score",
        "--test",
        "welch",
        "--json",
    ]
    default = run_in_process(*base).json()
    swapped = run_in_process(*base, "--groups", "b,a").json()
    assert default["estimate"] == pytest.approx(2.0)
    assert swapped["estimate"] == pytest.approx(-2.0)


def test_survival_json_lists_km_steps_per_group(
    write_csv: Callable[..., Path], run_in_process: Callable[..., Any]
) -> None:
    rows = [("a", t, 1) for t in (1, 2, 3, 4, 5)] + [("b", t, 0) for t in (1, 2, 3, 4)]
    rows.append(("b", 5, 1))
    path = str(write_csv(["g", "t", "e"], rows))
    data = run_in_process(
        "survival", "--csv", path, "--group", "g", "--time", "t", "--event", "e", "--json"
    ).json()
    steps = [[1, 0.8], [2, 0.6], [3, 0.4], [4, 0.2], [5, 0.0]]
    assert [t for t, _ in data["km"]["a"]] == [t for t, _ in steps]
    assert [s for _, s in data["km"]["a"]] == pytest.approx([s for _, s in steps])
    assert data["km"]["b"] == [[5, 0.0]]
    assert data["km_ci"]["a"][-1] == [5, None, None]


def test_paired_differences_are_x_minus_y(
    write_csv: Callable[..., Path], run_in_process: Callable[..., Any]
) -> None:
    path = str(write_csv(["before", "after"], [(1, 2), (2, 4), (3, 5), (2, 3), (4, 4.5)]))
    data = run_in_process(
        "paired", "--csv", path, "--x", "after", "--y", "before", "--test", "t", "--json"
    ).json()
    assert data["estimate"] == pytest.approx((1 + 2 + 2 + 1 + 0.5) / 5)


def test_table_switches_to_fisher_when_expected_counts_are_small(
    write_csv: Callable[..., Path], run_in_process: Callable[..., Any]
) -> None:
    rows = [("a", "y")] * 5 + [("a", "n")] * 1 + [("b", "y")] * 1 + [("b", "n")] * 5
    path = str(write_csv(["r", "c"], rows))
    data = run_in_process(
        "table", "--csv", path, "--row", "r", "--col", "c", "--test", "chi2", "--json"
    ).json()
    assert data["test"] == "Fisher's exact test"
    # fisher.test(matrix(c(1, 5, 5, 1), 2)): p-value = 0.08009
    assert data["pvalue"] == pytest.approx(0.08009, rel=5e-4)


def test_kruskal_from_histograms_has_the_same_follow_ups_as_raw_values() -> None:
    from surveys.stats import kruskal_from_counts

    hists = {"a": {1: 3, 2: 4, 3: 2}, "b": {2: 2, 3: 5, 4: 3}, "c": {3: 1, 4: 4, 5: 5}}
    raw = {g: [float(v) for v, c in h.items() for _ in range(c)] for g, h in hists.items()}
    from_counts = kruskal_from_counts(hists).extras["pairwise"]
    from_raw = kruskal_wallis(raw).extras["pairwise"]
    assert [p["pvalue_adjusted"] for p in from_counts] == pytest.approx(
        [p["pvalue_adjusted"] for p in from_raw], rel=1e-12
    )
