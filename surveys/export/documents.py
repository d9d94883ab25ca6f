"""The bundle's documents: the codebook (Frictionless Data Package), the README, the report.

:class:`Metadata` holds what describes the whole bundle (programme, scope,
creation time, licence, citation); :func:`datapackage` the machine-readable
codebook, with an ``enum`` for every coded column and the missing codes
(:mod:`surveys.export.missing`) as ``missingValues``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Firm, Programme
from surveys.export.fields import MISSING, Field
from surveys.export.missing import CODES
from surveys.export.priorities import priority_lines
from surveys.export.scope import Scope

#: The tables of a bundle: (survey key, title, versions, fields).
Tables = list[tuple[str, str, list[int], list[Field]]]

LICENCE = {
    "name": "LicenseRef-Flipside-Research-Use",
    "title": (
        "Research use only, under the requesting firm's data-sharing terms: no attempt to "
        "identify anyone, no linking with other data to do so, no redistribution."
    ),
}
#: The missing values every tabular resource declares: a blank, then each code as text.
MISSING_VALUES = [MISSING, *(str(c.code) for c in CODES)]


@dataclass(frozen=True)
class Metadata:
    """What describes the whole bundle."""

    export_id: int
    firms: tuple[str, ...]
    programmes: tuple[str, ...]
    scope: dict[str, Any]
    created: str

    @classmethod
    def read(cls, session: Session, export_id: int, scope: Scope) -> Metadata:
        firms = session.scalars(select(Firm.name).where(Firm.id.in_(scope.firm_ids)))
        query = select(Programme.name).where(Programme.firm_id.in_(scope.firm_ids))
        if scope.programme_id is not None:
            query = query.where(Programme.id == scope.programme_id)
        return cls(
            export_id,
            tuple(sorted(firms)),
            tuple(sorted(session.scalars(query))),
            scope.as_json(),
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

    @property
    def title(self) -> str:
        return f"Flipside research export {self.export_id}: {', '.join(self.programmes)}"

    @property
    def citation(self) -> str:
        return (
            f"{', '.join(self.firms)} ({self.created[:4]}). {', '.join(self.programmes)}: "
            f"anonymised survey responses (Flipside research export {self.export_id}, "
            f"created {self.created}). Dataset."
        )


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
    if f.value_labels or f.option_labels:
        out["valueLabels"] = {str(v): t for v, t in (f.value_labels or f.option_labels).items()}
    out["measure"] = f.measure
    if f.versions:
        out["surveyVersions"] = list(f.versions)
    return out


def datapackage(
    meta: Metadata, tables: Tables, definitions: dict[str, list[Any]]
) -> dict[str, Any]:
    """A Data Package with one tabular resource (the CSV) per survey: types, enums, labels,
    question wording, survey versions, scale anchors and missing codes."""
    return {
        "name": f"flipside-export-{meta.export_id}",
        "title": meta.title,
        "description": (
            "Anonymised survey responses, one row per response. Missing values carry a code: "
            + "; ".join(f"{c.code} = {c.label}" for c in CODES)
            + ". Free-text columns are blank when missing. See codebook.md."
        ),
        "created": meta.created,
        "licenses": [LICENCE],
        "citation": meta.citation,
        "programmes": list(meta.programmes),
        "firms": list(meta.firms),
        "scope": meta.scope,
        "missingCodes": [{"code": c.code, "label": c.label, "stata": c.stata} for c in CODES],
        "surveyVersions": [
            {"survey": key, "version": d.version, "title": d.title, "questions": len(d.questions)}
            for key in sorted(definitions)
            for d in definitions[key]
        ],
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
                    "missingValues": MISSING_VALUES,
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
        lines += ["", "Releases applied (one lineage per programme and firm):"]
        lines += [
            f"  - release {g['id']} (programme {g['programme']}): made from "
            f"{g['responses_when_made']} responses in {g['periods']} stored periods"
            for g in release["generations"]
        ]
    lines += ["", "Notes:"] + [f"  - {note}" for note in report["notes"]]
    return "\n".join(lines) + "\n"
