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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from surveys.export.scope import Scope
from surveys.export.sides import withhold_small_differences

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
    """analysis/README.txt: what the scripts do and, exactly, where disclosure control shows."""
    blanked = report.get("values_suppressed_by_column", {})
    listed = expected.get("comparisons", [])
    shown = [e for e in listed if not e.get("refused")]
    left_out = [e for e in listed if e.get("figures_withheld")]
    k = report.get("k_required")
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
        f"Comparisons listed: {len(listed)}; the dashboard showed figures for {len(shown)}.",
        f"Of these, {len(left_out)} are listed without the dashboard's figures. For each,",
        "expected.json says why ('figures_withheld'): one of its sides differs from this",
        f"export's rows by 1 to {k - 1 if isinstance(k, int) else 'k-1'} people (k = {k}; "
        "climate rounds count one",
        "response per person), or, on the session pulses, by any number of sessions (a",
        "person may answer several, so the people behind them may be fewer than k). Beside",
        "this export's rows, those figures would describe the rows by difference. 'differences'",
        "gives, per side, how many the export and the dashboard differ by. The scripts still",
        "compute every comparison from the rows here.",
        str(expected.get("what", "")),
        "",
        "Where disclosure control makes a number differ: this export withheld "
        f"{report.get('rows_withheld', 0)} rows",
        f"and blanked role in {blanked.get('role', 0)} and programme in "
        f"{blanked.get('programme', 0)} rows; a comparison whose sides lost rows cannot be",
        "reproduced exactly and is marked 'differs: disclosure control' with its reason.",
        "Role and month are protected first by default: they are generalised or blanked",
        "only when no other column can make a group reach k.",
        "When role was generalised to participant/comparison, mentors vs mentees cannot be",
        "recomputed.",
    ]
    return "\n".join(lines) + "\n"


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
    withhold_small_differences(folder, expected, int(report.get("k_required") or 0))
    (out / "expected.json").write_text(json.dumps(expected, indent=2))
    with (out / "expected.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(_csv_row(e, expected) for e in expected["comparisons"])
    (out / "README.txt").write_text(note(expected, report))
