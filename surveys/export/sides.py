"""How many people each side of a dashboard comparison has in the bundle's own rows.

The bundle's ``expected.json`` lists what the dashboard showed; beside the rows,
a figure whose side differs from the bundle's by d people describes those d
people by difference. :func:`withhold_small_differences` therefore leaves out
the dashboard's figures of a comparison exactly when a side differs by 1 to
k-1 people; a side equal to the bundle's discloses nothing the rows do not,
and a difference of k or more rests on at least k people (it is shown, and the
scripts mark the comparison "differs: disclosure control").

Climate sides count people (one response per person per round). Pulse sides
count sessions, and one person can answer several: a difference in sessions is
at most that many people, so any pulse difference is withheld (its people may
be fewer than k).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MISSING = {"", "-96", "-97", "-98", "-99", "-96.0", "-97.0", "-98.0", "-99.0"}
#: Entry keys holding the dashboard's figures.
FIGURES = ("n_a", "n_b", "t", "df", "g", "p", "p_adjusted", "printed")
CLIMATE = "climate"


def _value(row: dict[str, str], column: str) -> str | None:
    text = (row.get(column) or "").strip()
    return None if text in MISSING else text


def read_table(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / f"{name}.csv"
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _answered(rows: Iterable[dict[str, str]], column: str, items: list[str]) -> int:
    """Answers to ``column`` (the index: its least-answered item, as the dashboard counts)."""
    chosen = list(rows)
    if column == "index":
        return min((sum(1 for r in chosen if _value(r, q)) for q in items), default=0)
    return sum(1 for r in chosen if _value(r, column) is not None)


def _mine(rows: list[dict[str, str]], entry: dict[str, Any], single: bool) -> list[dict[str, str]]:
    if single:
        return rows
    return [r for r in rows if _value(r, "programme") == str(entry["programme"])]


def bundle_sizes(
    entry: dict[str, Any], tables: dict[str, list[dict[str, str]]], items: list[str], single: bool
) -> tuple[list[int], bool]:
    """The bundle's n of each of the entry's sides, in the order of its n_a and n_b
    (a before/after side is before;after), and whether they count people."""
    if entry.get("table_a", CLIMATE) != entry.get("table_b", CLIMATE):  # session pulses
        sizes = [
            _answered(_mine(tables[entry[f"table_{s}"]], entry, single), entry["column"], items)
            for s in ("a", "b")
        ]
        return sizes, False
    rows = _mine(tables[CLIMATE], entry, single)
    rounds = [entry["baseline"], entry["round"]] if entry.get("baseline") else [entry["round"]]
    sizes = []
    generalised = any(_value(r, "role") == "participant" for r in rows)
    for key in ("roles_a", "roles_b"):
        roles = set(entry[key])
        if generalised and roles == {"mentor", "mentee"}:
            roles.add("participant")
        for round_ in rounds:
            side = (r for r in rows if _value(r, "role") in roles and _value(r, "round") == round_)
            sizes.append(_answered(side, entry["column"], items))
    return sizes, True


def dashboard_sizes(entry: dict[str, Any]) -> list[int]:
    """The dashboard's n of each side, in the order of :func:`bundle_sizes`."""
    return [int(n) for key in ("n_a", "n_b") for n in str(entry[key]).split(";")]


def withhold_small_differences(folder: Path, expected: dict[str, Any], k: int) -> None:
    """Leave out the dashboard's figures of each comparison one of whose sides differs
    from the bundle's rows by 1 to k-1 people (pulses: by any number of sessions), and
    say so in ``figures_withheld``; record every side's difference in ``differences``."""
    tables: dict[str, list[dict[str, str]]] = {}
    items = list(expected.get("index_items", []))
    single = bool(expected.get("single_programme"))
    for entry in expected["comparisons"]:
        if "printed" not in entry:
            continue
        for name in {entry.get("table_a", CLIMATE), entry.get("table_b", CLIMATE)}:
            if name not in tables:
                tables[name] = read_table(folder, name)
        mine, people = bundle_sizes(entry, tables, items, single)
        theirs = dashboard_sizes(entry)
        gaps = [abs(a - b) for a, b in zip(theirs, mine, strict=True)]
        small = [d for d in gaps if 0 < d < k] if people else [d for d in gaps if d]
        entry["differences"] = gaps
        if small:
            for key in FIGURES:
                entry.pop(key, None)
            what = (
                f"{min(small)} people, fewer than k = {k}"
                if people
                else f"{min(small)} sessions, which may be fewer than k = {k} people"
            )
            entry["figures_withheld"] = (
                "the dashboard's figures are left out: a side of this comparison differs from "
                f"this export's rows by {what} (disclosure control withheld or blanked their "
                "rows), and beside the rows the dashboard's figures would describe them"
            )
