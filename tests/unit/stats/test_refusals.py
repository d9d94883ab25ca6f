"""No test runs on a group below the minimum size, and bad CLI input exits 2 in one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from surveys import stats as S
from surveys.stats import GroupTooSmall, StatsInputError

SMALL = [1.0, 2.0, 3.0]  # three responses
BIG = [1.0, 2.0, 3.0, 4.0, 5.0, 2.0, 3.0]

REFUSING: dict[str, Callable[[], Any]] = {
    "welch_t": lambda: S.welch_t(SMALL, BIG, labels=("mentors", "mentees")),
    "mann_whitney": lambda: S.mann_whitney(SMALL, BIG, labels=("mentors", "mentees")),
    "brunner_munzel": lambda: S.brunner_munzel(SMALL, BIG, labels=("mentors", "mentees")),
    "paired_t": lambda: S.paired_t(SMALL, [2.0, 2.0, 1.0], labels=("mentors", "mentees")),
    "wilcoxon": lambda: S.wilcoxon_signed_rank(SMALL, [2.0, 2.0, 1.0]),
    "kruskal": lambda: S.kruskal_wallis({"mentors": SMALL, "a": BIG, "b": BIG}),
    "table": lambda: S.contingency_test([[2, 1], [9, 9]], rows=["mentors", "b"], cols=["y", "n"]),
    "proportion": lambda: S.proportion_favourable({4: 2, 2: 1}, label="mentors"),
    "survival": lambda: S.survival_comparison({"mentors": (SMALL, [1, 0, 1]), "b": (BIG, [1] * 7)}),
    "welch_counts": lambda: S.welch_t_from_counts(
        {1: 1, 5: 2}, {1: 9, 3: 9}, labels=("mentors", "b")
    ),
    "mwu_counts": lambda: S.mann_whitney_from_counts(
        {1: 1, 5: 2}, {1: 9, 3: 9}, labels=("mentors", "b")
    ),
    "bm_counts": lambda: S.brunner_munzel_from_counts(
        {1: 1, 5: 2}, {1: 9, 3: 9}, labels=("mentors", "b")
    ),
    "kruskal_counts": lambda: S.kruskal_from_counts({"mentors": {1: 3}, "b": {2: 9}}),
    "chi2_counts": lambda: S.chi_square_from_counts({"mentors": {1: 3}, "b": {1: 4, 2: 9}}),
    "weighted_welch": lambda: S.weighted_welch(SMALL, BIG, labels=("mentors", "b")),
    "did": lambda: S.difference_in_differences(BIG, BIG, SMALL, BIG),
}


@pytest.mark.parametrize("name", sorted(REFUSING))
def test_every_test_refuses_a_group_below_the_minimum_size(name: str) -> None:
    with pytest.raises(GroupTooSmall) as caught:
        REFUSING[name]()
    assert caught.value.k == 5
    assert caught.value.n == 3
    assert "minimum group size of 5" in str(caught.value)


def test_the_refusal_names_the_small_group() -> None:
    with pytest.raises(GroupTooSmall, match="'mentors' has 3 responses"):
        S.welch_t(SMALL, BIG, labels=("mentors", "mentees"))


def test_a_lower_minimum_lets_the_same_test_run() -> None:
    assert S.welch_t(SMALL, BIG, min_group_size=3).pvalue is not None


def test_group_too_small_is_a_value_error_callers_can_catch() -> None:
    assert issubclass(GroupTooSmall, StatsInputError)
    assert issubclass(GroupTooSmall, ValueError)


def test_identical_responses_everywhere_are_refused_clearly() -> None:
    with pytest.raises(StatsInputError, match="identical"):
        S.mann_whitney([3.0] * 6, [3.0] * 6)


def test_an_unknown_alternative_is_refused() -> None:
    with pytest.raises(StatsInputError, match="alternative"):
        S.welch_t(BIG, BIG, alternative="sideways")


TWO_GROUPS = [("a", v) for v in BIG] + [("b", v + 1) for v in BIG]


def _bad_inputs(
    tmp: Path, write_csv: Callable[..., Path]
) -> dict[str, tuple[list[str], dict[str, str]]]:
    good = str(write_csv(["group", "value"], TWO_GROUPS))
    base = ["two-sample", "--csv", good, "--group", "group", "--value", "value", "--test", "welch"]
    empty = tmp / "empty.csv"
    empty.write_text("", encoding="utf-8")
    header_only = str(write_csv(["group", "value"], []))
    text = str(write_csv(["group", "value"], [*TWO_GROUPS, ("a", "lots")]))
    one_group = str(write_csv(["group", "value"], [("a", v) for v in BIG]))
    small = str(write_csv(["group", "value"], [*TWO_GROUPS, *[("c", 1)] * 3]))
    return {
        "missing file": (
            [
                "two-sample",
                "--csv",
                str(tmp / "nope.csv"),
                "--group",
                "group",
                "--value",
                "value",
                "--test",
                "welch",
            ],
            {},
        ),
        "missing column": ([*base[:-4], "--value", "score", "--test", "welch"], {}),
        "non-numeric value": (["two-sample", "--csv", text, *base[3:]], {}),
        "fewer than two groups": (["two-sample", "--csv", one_group, *base[3:]], {}),
        "group below minimum": (["two-sample", "--csv", small, *base[3:], "--groups", "a,c"], {}),
        "k-sample group below minimum": (
            [
                "k-sample",
                "--csv",
                small,
                "--group",
                "group",
                "--value",
                "value",
                "--test",
                "kruskal",
            ],
            {},
        ),
        "empty file": (["two-sample", "--csv", str(empty), *base[3:]], {}),
        "header only": (["two-sample", "--csv", header_only, *base[3:]], {}),
        "bad alternative": ([*base, "--alternative", "sideways"], {}),
        "unknown test": ([*base[:-1], "anova"], {}),
        "missing option": (base[:-2], {}),
        "bad setting": (base, {"FLIPSIDE_MIN_GROUP_SIZE": "12"}),
        "non-numeric setting": (base, {"FLIPSIDE_MIN_GROUP_SIZE": "five"}),
        "three groups without --groups": (["two-sample", "--csv", small, *base[3:]], {}),
        "unknown group": ([*base, "--groups", "a,zz"], {}),
        "paired with a blank": (
            [
                "paired",
                "--csv",
                str(write_csv(["x", "y"], [(1, 2), (3, "")])),
                "--x",
                "x",
                "--y",
                "y",
                "--test",
                "t",
            ],
            {},
        ),
        "survival bad event": (
            [
                "survival",
                "--csv",
                str(write_csv(["g", "t", "e"], [("a", 1, 2)] * 6 + [("b", 1, 1)] * 6)),
                "--group",
                "g",
                "--time",
                "t",
                "--event",
                "e",
            ],
            {},
        ),
        "table one column category": (
            [
                "table",
                "--csv",
                str(write_csv(["r", "c"], [("a", "y")] * 6 + [("b", "y")] * 6)),
                "--row",
                "r",
                "--col",
                "c",
                "--test",
                "chi2",
            ],
            {},
        ),
        "chi2 one-sided": (
            [
                "table",
                "--csv",
                str(
                    write_csv(
                        ["r", "c"],
                        [("a", "y")] * 30
                        + [("a", "n")] * 30
                        + [("b", "y")] * 30
                        + [("b", "n")] * 20,
                    )
                ),
                "--row",
                "r",
                "--col",
                "c",
                "--test",
                "chi2",
                "--alternative",
                "less",
            ],
            {},
        ),
    }


BAD_INPUT_NAMES = [
    "missing file",
    "missing column",
    "non-numeric value",
    "fewer than two groups",
    "group below minimum",
    "k-sample group below minimum",
    "empty file",
    "header only",
    "bad alternative",
    "unknown test",
    "missing option",
    "bad setting",
    "non-numeric setting",
    "three groups without --groups",
    "unknown group",
    "paired with a blank",
    "survival bad event",
    "table one column category",
    "chi2 one-sided",
]


@pytest.mark.parametrize("name", BAD_INPUT_NAMES)
def test_bad_input_prints_one_line_and_exits_2(
    name: str,
    tmp_path: Path,
    write_csv: Callable[..., Path],
    run_in_process: Callable[..., Any],
) -> None:
    args, env = _bad_inputs(tmp_path, write_csv)[name]
    outcome = run_in_process(*args, env=env or None)
    assert outcome.exit_code == 2, outcome.stdout + outcome.stderr
    assert outcome.stdout == ""
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in outcome.stderr


def test_bad_input_from_a_real_process_has_no_traceback(
    tmp_path: Path, write_csv: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    args, _ = _bad_inputs(tmp_path, write_csv)["non-numeric value"]
    outcome = run_cli(*args)
    assert outcome.exit_code == 2
    assert outcome.stderr.strip() == "Error: line 16: 'value' value 'lots' is not a number"


def test_the_setting_sets_the_minimum_and_the_option_overrides_it(
    write_csv: Callable[..., Path], run_in_process: Callable[..., Any]
) -> None:
    path = str(write_csv(["group", "value"], TWO_GROUPS))
    args = ["two-sample", "--csv", path, "--group", "group", "--value", "value", "--test", "mwu"]
    assert run_in_process(*args).exit_code == 0
    refused = run_in_process(*args, env={"FLIPSIDE_MIN_GROUP_SIZE": "8"})
    assert refused.exit_code == 2
    assert "minimum group size of 8" in refused.stderr
    assert (
        run_in_process(
            *args, "--min-group-size", "3", env={"FLIPSIDE_MIN_GROUP_SIZE": "8"}
        ).exit_code
        == 0
    )


def test_a_single_response_per_group_is_refused_without_numpy_warnings() -> None:
    with pytest.raises(StatsInputError, match="at least two"):
        S.welch_t([1.0], [2.0, 3.0], min_group_size=1)
    with pytest.raises(StatsInputError):
        S.weighted_welch([1.0], [2.0, 3.0], min_group_size=1)
    with pytest.raises(StatsInputError, match="at least two"):
        S.difference_in_differences([1.0], [2.0, 3.0], [1.0, 2.0], [1.0, 2.0], min_group_size=1)
