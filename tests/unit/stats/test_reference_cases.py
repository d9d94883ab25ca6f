"""Every known R answer in tests/data/stats_cases.json, through the command line.

The file is a copy of shared/reference/stats_cases.json kept in the repository, so a
fresh clone runs every case; a test checks the copy is still the reference where the
reference is beside the checkout."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunCli = Callable[..., Any]
WriteCsv = Callable[..., Path]

ROOT = Path(__file__).resolve().parents[3]
CASES_PATH = ROOT / "tests" / "data" / "stats_cases.json"
SHARED_PATH = ROOT.parent / "shared" / "reference" / "stats_cases.json"
DEFAULT_REL = 5e-4


def _cases() -> list[dict[str, Any]]:
    return list(json.loads(CASES_PATH.read_text(encoding="utf-8"))["cases"])


CASES = _cases()


def test_the_reference_file_holds_every_kind_of_case() -> None:
    names = {case["name"] for case in CASES}
    assert {"sleep_welch", "agresti_gender_party", "aml_logrank"} <= names


def test_the_copy_matches_the_shared_reference_when_it_is_beside_the_checkout() -> None:
    # Not a skip: on a clone without ../shared there is nothing to compare, and the
    # copy itself is what the cases above run on.
    if SHARED_PATH.exists():
        assert json.loads(SHARED_PATH.read_text(encoding="utf-8")) == json.loads(
            CASES_PATH.read_text(encoding="utf-8")
        )


def _command(case: dict[str, Any], write_csv: WriteCsv) -> list[str]:
    """The CLI invocation that mirrors the case's R call."""
    call = case["r_call"]
    if call.startswith("t.test") and "paired" in call:
        path = write_csv(["x", "y"], list(zip(case["x"], case["y"], strict=True)))
        return ["paired", "--csv", str(path), "--x", "x", "--y", "y", "--test", "t"]
    if call.startswith(("t.test", "wilcox.test")):
        rows = [("x", v) for v in case["x"]] + [("y", v) for v in case["y"]]
        path = write_csv(["group", "value"], rows)
        test = "welch" if call.startswith("t.test") else "mwu"
        return [
            "two-sample",
            "--csv",
            str(path),
            "--group",
            "group",
            "--value",
            "value",
            "--groups",
            "x,y",
            "--test",
            test,
        ]
    if call.startswith("kruskal.test"):
        rows = [(g, v) for g, values in case["groups"].items() for v in values]
        path = write_csv(["group", "value"], rows)
        smallest = min(len(v) for v in case["groups"].values())
        return [
            "k-sample",
            "--csv",
            str(path),
            "--group",
            "group",
            "--value",
            "value",
            "--test",
            "kruskal",
            "--min-group-size",
            str(min(smallest, 5)),
        ]
    if call.startswith("chisq.test"):
        table = case["table"]
        rows = [
            (r, c)
            for r, counts in zip(table["rows"], table["counts"], strict=True)
            for c, count in zip(table["cols"], counts, strict=True)
            for _ in range(count)
        ]
        path = write_csv(["row", "col"], rows)
        return ["table", "--csv", str(path), "--row", "row", "--col", "col", "--test", "chi2"]
    if call.startswith("survdiff"):
        rows = [
            (g, t, e)
            for g, d in case["groups"].items()
            for t, e in zip(d["time"], d["event"], strict=True)
        ]
        path = write_csv(["group", "time", "event"], rows)
        return [
            "survival",
            "--csv",
            str(path),
            "--group",
            "group",
            "--time",
            "time",
            "--event",
            "event",
        ]
    raise AssertionError(f"no command line mapping for R call {call!r}")


def _actual(result: dict[str, Any], key: str) -> Any:
    if key in {"hedges_g", "cramers_v"}:
        return result["effect_size"]["value"]
    if key.startswith("km_"):
        return result["km"][key[3:]]
    return result[key]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_command_line_reproduces_r(
    case: dict[str, Any], run_cli: RunCli, write_csv: WriteCsv
) -> None:
    outcome = run_cli(*_command(case, write_csv), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    result = outcome.json()
    rel = case.get("rel_tol", case.get("tolerance", DEFAULT_REL))
    for key, expected in case["expect"].items():
        actual = _actual(result, key)
        if isinstance(expected, list) and expected and isinstance(expected[0], list):
            assert len(actual) == len(expected), key
            for got, want in zip(actual, expected, strict=True):
                assert got == pytest.approx(want, rel=rel), key
        else:
            assert actual == pytest.approx(expected, rel=rel), key
