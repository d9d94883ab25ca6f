"""Ready-made loading syntax for R, SPSS and Stata, and the bundle's README.

Each script loads every table of the bundle with its labels and turns the
missing codes (:mod:`surveys.export.missing`) into the reader's own missing
values, keeping which reason applied where the format can.
"""

from __future__ import annotations

import textwrap
from typing import Any

from surveys.export.documents import Metadata, Tables
from surveys.export.fields import GENERALISED_NOTE
from surveys.export.missing import CODES, HIGHEST, LOWEST


def _r(tables: Tables) -> str:
    lines = [
        "# Load the Flipside research export in R with its labels and missing codes.",
        '# Needs haven (install.packages("haven")); labelled adds helpers on top.',
        "library(haven)",
        "",
        "# user_na = TRUE keeps the codes as labelled_spss user-missing values:",
        f"# {', '.join(f'{c.code} = {c.label}' for c in CODES)}.",
        "# <table>_na has them as NA; haven::as_factor() turns labelled columns into factors.",
    ]
    for key, *_ in tables:
        lines += [
            f'{key} <- read_sav("{key}.sav", user_na = TRUE)',
            f"{key}_na <- zap_missing({key})",
        ]
    return "\n".join(lines) + "\n"


def _sps(tables: Tables) -> str:
    lines = ["* Load the Flipside research export in SPSS."]
    for key, _, _, fields in tables:
        coded = [f.name for f in fields if f.coded or f.source[0] in ("value", "item")]
        lines += [f"GET FILE='{key}.sav'.", f"DATASET NAME {key}."]
        if coded:
            lines.append(f"MISSING VALUES {' '.join(coded)} ({LOWEST} THRU {HIGHEST}).")
        for level in ("nominal", "ordinal", "scale"):
            names = [f.name for f in fields if f.measure == level]
            if names:
                lines.append(f"VARIABLE LEVEL {' '.join(names)} ({level.upper()}).")
        lines.append("DISPLAY DICTIONARY.")
    return "\n".join(lines) + "\n"


def _do(tables: Tables) -> str:
    lines = [
        "* Load the Flipside research export in Stata.",
        "* Missing codes are extended missing values: "
        + ", ".join(f"{c.stata} = {c.label} ({c.code})" for c in CODES)
        + ".",
    ]
    for key, *_ in tables:
        lines += [f'use "{key}.dta", clear', "describe", "label list"]
    lines += [
        "* From the CSV instead: import delimited, then",
        "* mvdecode _all, mv(" + " \\ ".join(f"{c.code}={c.stata}" for c in CODES) + ")",
    ]
    return "\n".join(lines) + "\n"


def syntax_files(tables: Tables) -> dict[str, str]:
    return {"load.R": _r(tables), "load.sps": _sps(tables), "load.do": _do(tables)}


def readme(meta: Metadata, keys: list[str], report: dict[str, Any]) -> str:
    files = "\n".join(
        f"- {k}.csv, {k}.parquet, {k}.sav (SPSS), {k}.dta (Stata): the {k} responses" for k in keys
    )
    codes = "\n".join(f"  {c.code}  {c.label} (Stata {c.stata})" for c in CODES)
    return f"""{meta.title}
{"=" * len(meta.title)}

Programme(s): {", ".join(meta.programmes)}. Created {meta.created} (UTC).
Cite as: {meta.citation}

One row per survey response, anonymised. The same rows are in every format:

{files}
- datapackage.json: the codebook (Frictionless Data Package): each column's type,
  question text, allowed values (enum), value labels, measure level, survey versions,
  missing codes, licence and citation.
- codebook.md / codebook.html: the same for reading, with counts per value.
- load.R, load.sps, load.do: loading syntax for R (haven), SPSS and Stata.
- disclosure-report.txt / disclosure-report.json: what disclosure control changed.
- analysis/: analysis.py and analysis.R recompute the dashboard's comparisons from
  these files and check them against analysis/expected.json (see analysis/README.txt).

Missing values carry a code (free text is blank when missing):
{codes}
SPSS declares them user-missing, Stata holds them as extended missing values,
datapackage.json lists them in missingValues. In the CSV only, text a spreadsheet
would run as a formula starts with a single quote (see codebook.md).

Every combination of quasi-identifiers describes at least {report["k_required"]} distinct
people (counted as the disclosure report explains: a person's several responses count once).

{textwrap.fill(GENERALISED_NOTE, 86)}

Every export of a programme is one release lineage: each response keeps the
generalisation of its first release in every later export, of any surveys, dates
or firms, so two exports cannot be combined to narrow anyone down.

Do not try to identify anyone, and do not combine this export with another one
to do so: row numbers and pseudonyms mean nothing outside this file set.
"""
