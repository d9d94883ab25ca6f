"""The bundle's documents: the codebook (Frictionless Data Package), the README, the report."""

from __future__ import annotations

from typing import Any

from surveys.export.fields import MISSING, Field
from surveys.export.priorities import priority_lines


def _field_schema(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name, "type": f.type, "title": f.title}
    description = f.description
    if f.value_labels:
        labels = "; ".join(f"{v} = {t}" for v, t in sorted(f.value_labels.items()))
        description = f"{description} Values: {labels}.".strip()
    if description:
        out["description"] = description
    constraints: dict[str, Any] = {}
    if f.enum:
        constraints["enum"] = list(f.enum)
    if f.minimum is not None:
        constraints["minimum"] = f.minimum
    if f.maximum is not None:
        constraints["maximum"] = f.maximum
    if constraints:
        out["constraints"] = constraints
    return out


def datapackage(
    export_id: int, tables: list[tuple[str, str, list[int], list[Field]]]
) -> dict[str, Any]:
    """A Data Package with one tabular resource (the CSV) per survey: types, enums, labels."""
    return {
        "name": f"flipside-export-{export_id}",
        "title": f"Flipside research export {export_id}",
        "description": (
            "Anonymised survey responses, one row per response. Blank cells are missing: "
            "not asked, not answered, or suppressed by disclosure control "
            "(see disclosure-report.txt)."
        ),
        "resources": [
            {
                "name": key,
                "path": f"{key}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "title": title,
                "description": (
                    f"Survey {key}, version(s) {', '.join(str(v) for v in versions)}; the same "
                    f"rows are in {key}.parquet, {key}.sav (SPSS) and {key}.dta (Stata)."
                ),
                "schema": {
                    "fields": [_field_schema(f) for f in fields],
                    "missingValues": [MISSING],
                    "primaryKey": ["row"],
                },
            }
            for key, title, versions, fields in tables
        ],
    }


def report_text(report: dict[str, Any]) -> str:
    """The disclosure report in plain words (the same facts as disclosure-report.json)."""
    lines = [
        "Disclosure report",
        "=================",
        "",
        f"Minimum group size required (k): {report['k_required']}",
        f"Smallest group of quasi-identifiers released: {report['k_achieved']}",
        f"Responses in scope: {report['rows_in_scope']}; released: {report['rows_released']}; "
        f"withheld (their group stayed below k with every value blanked): "
        f"{report['rows_withheld']}",
        "",
        "Quasi-identifiers and how far they were generalised:",
    ]
    lines += [f"  - {name}: {level}" for name, level in report["generalised"].items()]
    lines += ["", f"Values suppressed (blanked): {report['values_suppressed']}"]
    lines += [f"  - {name}: {n}" for name, n in report["values_suppressed_by_column"].items() if n]
    lines += priority_lines(report)
    release = report.get("release")
    if release:
        lines += [
            "",
            f"Release {release['id']} of this scope, made from "
            f"{release['responses_when_made']} responses in {len(release['periods'])} "
            "stored periods (weeks, months or rounds); it covers those periods only.",
        ]
    lines += ["", "Notes:"] + [f"  - {note}" for note in report["notes"]]
    return "\n".join(lines) + "\n"


def readme(export_id: int, keys: list[str], report: dict[str, Any]) -> str:
    files = "\n".join(
        f"- {k}.csv, {k}.parquet, {k}.sav (SPSS), {k}.dta (Stata): the {k} responses" for k in keys
    )
    return f"""Flipside research export {export_id}
=================================

One row per survey response, anonymised. The same rows are in every format:

{files}
- datapackage.json: the codebook (Frictionless Data Package): each column's type,
  question text, allowed values, value labels and missing-value code.
- disclosure-report.txt / disclosure-report.json: what disclosure control changed.
- analysis/: analysis.py and analysis.R recompute the dashboard's comparisons from
  these files and check them against analysis/expected.json (see analysis/README.txt).

Reading the data
- R: read.csv("<survey>.csv") or arrow::read_parquet(); haven::read_sav() / read_dta()
  keep the labels.
- Python: pandas.read_parquet() or pyreadstat.read_sav().
- SPSS and Stata: open the .sav or .dta file.

Blank cells are missing values: a question not asked in that version, not answered,
or a quasi-identifier suppressed by disclosure control. Every combination of
quasi-identifiers describes at least {report["k_required"]} distinct people (counted
as the disclosure report explains: a person's several responses count once).

This export is one release of its scope: asking again for the same scope gives the
same generalisation, over the same stored periods, so two exports of one scope
cannot be combined to narrow anyone down.

Do not try to identify anyone, and do not combine this export with another one
to do so: row numbers and pseudonyms mean nothing outside this file set.
"""
