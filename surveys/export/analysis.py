"""The bundle's ``analysis/`` folder: scripts that recompute the dashboard's comparisons.

``analysis.py`` and ``analysis.R`` (kept in :mod:`surveys.export.scripts`)
recompute, from the bundle's own ``climate.csv`` and pulse tables, the comparisons listed in
``expected.json`` -- what the dashboard showed for the export's scope when it
was built (made by :mod:`surveys.reports.exported`, which the worker and the
CLI pass in as ``expected``; the export package never imports the reports).
``expected.csv`` holds the same facts for base R, which cannot read JSON.
A note says where disclosure control makes a number differ, and -- when the
builder was not passed (``expected`` None) -- why the list is empty.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from surveys.export.scope import Scope

#: What the dashboard showed for a scope: (session, release scope, default k) -> JSON.
Expected = Callable[[Session, Scope, int], dict[str, Any]]

SCRIPTS = Path(__file__).with_name("scripts")
FOLDER = "analysis"
CSV_COLUMNS = (
    "programme",
    "round",
    "baseline",
    "source",
    "table_a",
    "table_b",
    "comparison",
    "outcome",
    "column",
    "side_a",
    "roles_a",
    "side_b",
    "roles_b",
    "refused",
    "n_a",
    "n_b",
    "t",
    "df",
    "g",
    "g_ci",
    "p",
    "p_adjusted",
    "index_items",
    "single_programme",
    "rows_withheld",
    "figures_withheld",
)
MISSING = {"", "-96", "-97", "-98", "-99", "-96.0", "-97.0", "-98.0", "-99.0"}
#: Entry keys holding the dashboard's figures.
FIGURES = ("n_a", "n_b", "t", "df", "g", "p", "p_adjusted", "printed")
#: Why an entry's figures were left out.
LEFT_OUT = (
    "the dashboard's figures are left out: disclosure control blanked or withheld rows "
    "this comparison reads, and set beside this export's rows the dashboard's figures "
    "would describe those rows"
)


#: The note of a bundle built without the comparison builder.
NOT_COMPUTED = (
    "The dashboard's comparisons were not computed for this export: it was built by a path "
    "that did not run the dashboard's comparison builder (the export worker and the "
    "'flipside exports' command run it; a bundle built "
    "directly from code does not), so the list is empty and the scripts check nothing. "
    "Request the export again through the site, the API or the command line to get them."
)


def _csv_row(entry: dict[str, Any], expected: dict[str, Any]) -> list[Any]:
    printed = entry.get("printed") or {}
    values = {
        **entry,
        **printed,
        "roles_a": ";".join(entry["roles_a"]),
        "roles_b": ";".join(entry["roles_b"]),
        "refused": entry.get("refused") or "",
        "index_items": ";".join(expected.get("index_items", [])),
        "single_programme": "true" if expected.get("single_programme") else "false",
        "rows_withheld": expected.get("rows_withheld", 0),
    }
    return [values.get(c, "") if values.get(c) is not None else "" for c in CSV_COLUMNS]


def note(expected: dict[str, Any], report: dict[str, Any]) -> str:
    """analysis/README.txt: what the scripts do and where disclosure control shows."""
    blanked = report.get("values_suppressed_by_column", {})
    lines = [
        "Reproducing the dashboard's comparisons",
        "=======================================",
        "",
        "python analysis/analysis.py   (needs SciPy)   -> analysis/results-python.csv",
        "Rscript analysis/analysis.R   (base R only)   -> analysis/results-R.csv",
        "",
        "Both read climate.csv, mentor_pulse.csv, mentee_pulse.csv and expected.json /",
        "expected.csv, recompute every comparison the dashboard showed for this scope when",
        "the export was built (participants vs comparison group and mentors vs mentees per",
        "climate round, before/after across the export's first and last round, mentors vs",
        "mentees on the session pulses over the export's months), and print one line",
        "per comparison: match, mismatch, refused (as on the dashboard), or",
        "'differs: disclosure control'. The conventions are in the header of analysis.py.",
        "",
        f"Comparisons listed: {len(expected.get('comparisons', []))}; of these, "
        f"{sum(1 for e in expected.get('comparisons', []) if e.get('figures_withheld'))} "
        "without the dashboard's figures: disclosure control blanked or withheld rows they",
        "read, and beside this export's rows those figures would describe the changed rows",
        "(fewer than k people). The scripts still compute them from the rows here.",
        str(expected.get("what", "")),
        "",
        "Where disclosure control makes a number differ: the dashboard counts every",
        "response, while this export withheld "
        f"{report.get('rows_withheld', 0)} rows and blanked role in {blanked.get('role', 0)} "
        f"and programme in {blanked.get('programme', 0)} rows;",
        "a comparison touching those rows cannot be reproduced exactly and is marked so.",
        "When role was generalised to participant/comparison, mentors vs mentees cannot be",
        "recomputed (ask for an export that protects role first).",
    ]
    return "\n".join(lines) + "\n"


def _blanked(folder: Path, single: bool) -> Counter[tuple[str, str]]:
    """Rows per (table, round) whose role (climate) or programme was blanked, read back
    from the CSVs just written (streamed: one row at a time)."""
    found: Counter[tuple[str, str]] = Counter()
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, [])
            at = {name: i for i, name in enumerate(header)}
            # A pulse's file says the role; one programme's export needs no programme.
            names = ("role",) * (path.stem == "climate") + ("programme",) * (not single)
            watched = [at[c] for c in names if c in at]
            for row in reader:
                if any(row[i].strip() in MISSING for i in watched):
                    found[path.stem, row[at["round"]] if "round" in at else ""] += 1
    return found


def withhold_unreproducible(folder: Path, expected: dict[str, Any]) -> None:
    """Leave out the dashboard's figures of every comparison whose rows disclosure control
    changed: beside the rows, the difference would describe fewer than k people."""
    entries = [e for e in expected["comparisons"] if "printed" in e]
    if not entries:
        return
    blanked = {} if expected["rows_withheld"] else _blanked(folder, expected["single_programme"])
    for entry in entries:
        rounds = {entry.get("round", ""), entry.get("baseline") or entry.get("round", "")}
        tables = {entry.get("table_a", "climate"), entry.get("table_b", "climate")}
        touched = sum(
            n
            for (table, r), n in blanked.items()
            if table in tables and (r in rounds or not entry.get("round"))
        )
        if expected["rows_withheld"] or touched:
            for key in FIGURES:
                entry.pop(key, None)
            entry["figures_withheld"] = LEFT_OUT


def write_analysis(folder: Path, expected: dict[str, Any] | None, report: dict[str, Any]) -> None:
    """Write ``folder/analysis/``: both scripts, expected.json and .csv, and the note."""
    out = folder / FOLDER
    out.mkdir()
    shutil.copyfile(SCRIPTS / "analysis.py", out / "analysis.py")
    shutil.copyfile(SCRIPTS / "analysis.R", out / "analysis.R")
    expected = dict(
        expected
        or {
            "what": NOT_COMPUTED,
            "comparisons": [],
        }
    )
    # Rows disclosure control withheld from this export: the scripts' explanation of a difference.
    expected["rows_withheld"] = int(report.get("rows_withheld") or 0)
    expected.setdefault("single_programme", False)
    withhold_unreproducible(folder, expected)
    (out / "expected.json").write_text(json.dumps(expected, indent=2))
    with (out / "expected.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(_csv_row(e, expected) for e in expected["comparisons"])
    (out / "README.txt").write_text(note(expected, report))
