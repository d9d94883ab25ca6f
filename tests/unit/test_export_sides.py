"""The bundle leaves out the dashboard's figures of a comparison exactly when one of its
sides differs from the bundle's rows by 1 to k-1 people (surveys/export/sides.py)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from surveys.export.sides import withhold_small_differences

K = 5


def write(folder: Path, name: str, rows: list[dict[str, str]]) -> None:
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ["row", "round", "programme", "role", "belonging"])
        writer.writeheader()
        writer.writerows(rows)


def climate(mentors: int, comparison: int, blank_role: int = 0) -> list[dict[str, str]]:
    rows = [("mentor", mentors), ("comparison", comparison), ("-97", blank_role)]
    return [
        {"row": "", "round": "spring", "programme": "1", "role": role, "belonging": "3"}
        for role, n in rows
        for _ in range(n)
    ]


def entry(n_a: Any, n_b: Any, **more: Any) -> dict[str, Any]:
    return {
        "programme": 1,
        "round": "spring",
        "baseline": "",
        "table_a": "climate",
        "table_b": "climate",
        "comparison": "participants",
        "column": "belonging",
        "roles_a": ["mentor", "mentee"],
        "roles_b": ["comparison"],
        "refused": None,
        "n_a": n_a,
        "n_b": n_b,
        "t": 1.0,
        "p": 0.3,
        "printed": {"t": "1.00"},
        **more,
    }


def decide(folder: Path, comparisons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    expected = {"comparisons": comparisons, "single_programme": True, "index_items": []}
    withhold_small_differences(folder, expected, K)
    return comparisons


def test_equal_sides_keep_the_figures_and_a_gap_below_k_withholds_them(tmp_path: Path) -> None:
    write(tmp_path, "climate", climate(mentors=12, comparison=30, blank_role=2))
    same, two_short, k_short, many_short = decide(
        tmp_path,
        [entry(12, 30), entry(14, 30), entry(17, 30), entry(12, 41)],
    )
    assert same["differences"] == [0, 0] and "printed" in same
    assert "figures_withheld" not in same
    # Two mentors' rows were blanked: beside the rows, the figures would describe them.
    assert two_short["differences"] == [2, 0]
    assert "printed" not in two_short and "n_a" not in two_short and "t" not in two_short
    assert "by 2 people, fewer than k = 5" in two_short["figures_withheld"]
    # A gap of k or more rests on at least k people: the figures stay (the scripts mark it).
    assert k_short["differences"] == [5, 0] and "printed" in k_short
    assert many_short["differences"] == [0, 11] and "printed" in many_short


def test_a_before_after_side_is_judged_round_by_round(tmp_path: Path) -> None:
    rows = climate(mentors=12, comparison=30)
    rows += [dict(r, round="autumn") for r in climate(mentors=9, comparison=30)]
    write(tmp_path, "climate", rows)
    fine, one_round_short = decide(
        tmp_path,
        [
            entry("12;9", "30;30", comparison="did", baseline="spring", round="autumn"),
            entry("12;10", "30;30", comparison="did", baseline="spring", round="autumn"),
        ],
    )
    assert fine["differences"] == [0, 0, 0, 0] and "printed" in fine
    assert one_round_short["differences"] == [0, 1, 0, 0]
    assert "figures_withheld" in one_round_short


def test_any_pulse_difference_is_withheld_because_sessions_are_not_people(tmp_path: Path) -> None:
    pulse = [{"row": "", "round": "", "programme": "1", "role": "", "belonging": "4"}] * 20
    write(tmp_path, "mentor_pulse", pulse)
    write(tmp_path, "mentee_pulse", pulse)
    where = {"table_a": "mentor_pulse", "table_b": "mentee_pulse", "round": ""}
    same, eight_sessions = decide(tmp_path, [entry(20, 20, **where), entry(28, 20, **where)])
    assert "printed" in same and same["differences"] == [0, 0]
    assert "printed" not in eight_sessions
    assert "8 sessions, which may be fewer than k = 5 people" in eight_sessions["figures_withheld"]


def test_figures_the_dashboard_refused_are_left_alone(tmp_path: Path) -> None:
    write(tmp_path, "climate", climate(mentors=3, comparison=30))
    refused = {k: v for k, v in entry(3, 30).items() if k not in ("n_a", "n_b", "printed")}
    (after,) = decide(tmp_path, [refused | {"refused": "Refused: too few"}])
    assert "figures_withheld" not in after and "differences" not in after
