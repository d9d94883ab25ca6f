"""SPSS (.sav) and Stata (.dta) files of one table, from its Parquet file.

pyreadstat writes a whole data frame, so these follow the Parquet file, one
table at a time. Numbers are doubles; coded text columns (quasi-identifiers,
single choices) become labelled numbers 1..n in their enum's order, so they
can carry missing codes. Missing codes (:mod:`surveys.export.missing`) are
user-missing values (-99 to -96) in ``.sav`` and extended missing values
``.a`` to ``.d`` in ``.dta`` (Stata has no user-missing numbers). Each
variable has its label, value labels and, in ``.sav``, its measure level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
from pyreadstat.pyclasses import MissingRange

from surveys.export.fields import Field
from surveys.export.missing import CODES, HIGHEST, LOWEST

#: Stata's limit for a variable label.
STATA_LABEL = 80
_SPSS_MISSING = MissingRange(lo=float(LOWEST), hi=float(HIGHEST))
#: Stata letter of each code, indexed by HIGHEST - code (-96 -> "a" ... -99 -> "d").
_STATA = {float(c.code): c.stata[1] for c in CODES}
_LETTERS = np.array([c.stata[1] for c in sorted(CODES, key=lambda c: -c.code)], dtype=object)


def _coded_numbers(column: pa.ChunkedArray, f: Field) -> np.ndarray[Any, Any]:
    """A coded text column as numbers: categories 1..n, missing codes as themselves."""
    text = column.to_pandas().astype(object)
    # Position in the enum, -1 for anything else (blank or a missing code).
    positions = pd.Index(list(f.enum)).get_indexer(text)
    numbers: np.ndarray[Any, Any] = positions.astype("float64") + 1
    numbers[positions < 0] = np.nan
    for c in CODES:
        numbers[(text == str(c.code)).to_numpy()] = c.code
    return numbers


def _frame(parquet_path: Path, fields: list[Field]) -> tuple[pd.DataFrame, list[str]]:
    """The table as doubles and plain strings; and the columns that may hold codes."""
    parquet = pq.ParquetFile(parquet_path)
    data: dict[str, Any] = {}
    coded: list[str] = []
    for f in fields:  # a column at a time: never the Arrow table and the frame at once
        column = parquet.read(columns=[f.name]).column(0)
        if f.coded:
            data[f.name] = _coded_numbers(column, f)
            coded.append(f.name)
        elif f.type == "integer":
            data[f.name] = column.to_numpy().astype("float64")
            if f.source[0] in ("value", "item"):
                coded.append(f.name)
        else:
            # object, not pandas' Arrow-backed str: pyreadstat reads those a cell at a time
            text = column.fill_null("").to_numpy(zero_copy_only=False)
            data[f.name] = pd.Series(text, dtype=object, copy=False)
        del column
    parquet.close()
    pa.default_memory_pool().release_unused()
    return pd.DataFrame(data, copy=False), coded


def _value_labels(f: Field) -> dict[float, str]:
    if f.coded:
        return {float(i + 1): f.option_labels.get(v, v) for i, v in enumerate(f.enum)}
    return {float(v): text for v, text in f.value_labels.items()}


def write_spss_and_stata(parquet_path: Path, fields: list[Field], title: str) -> list[Path]:
    """name.sav and name.dta beside the Parquet file, with labels and missing codes."""
    frame, coded = _frame(parquet_path, fields)
    labels: dict[str, str | None] = {f.name: f.title for f in fields}
    value_labels: dict[str, dict[Any, str]] = {}
    for f in fields:
        mapping = _value_labels(f)
        if f.name in coded:
            mapping.update({float(c.code): c.label for c in CODES})
        if mapping:
            value_labels[f.name] = mapping
    sav = parquet_path.with_suffix(".sav")
    dta = parquet_path.with_suffix(".dta")
    pyreadstat.write_sav(
        frame,
        str(sav),
        file_label=title,
        column_labels=labels,
        variable_value_labels=value_labels,
        missing_ranges={name: [_SPSS_MISSING] for name in coded},
        variable_measure={f.name: f.measure for f in fields},
    )
    # Stata: a code becomes its extended missing value (a letter in an object column).
    stata_missing: dict[str, list[str]] = {}
    for name in coded:
        numbers = frame[name].to_numpy()
        codes = (numbers >= LOWEST) & (numbers <= HIGHEST)
        if codes.any():
            column = numbers.astype(object)
            column[codes] = _LETTERS[(HIGHEST - numbers[codes]).astype(int)]
            frame[name] = column
            stata_missing[name] = list(_STATA.values())
            value_labels[name] = {_STATA.get(v, v): t for v, t in value_labels[name].items()}
        else:  # a double column: its labels are numbers only
            value_labels[name] = {v: t for v, t in value_labels[name].items() if v not in _STATA}
    pyreadstat.write_dta(
        frame,
        str(dta),
        file_label=title[:STATA_LABEL],
        column_labels={f.name: f.title[:STATA_LABEL] for f in fields},
        variable_value_labels=value_labels,
        missing_user_values=stata_missing,
    )
    del frame
    return [sav, dta]
