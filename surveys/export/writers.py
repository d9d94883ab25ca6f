"""Writing one exported table: CSV and Parquet in chunks, then SPSS and Stata from the Parquet.

CSV and Parquet are appended chunk by chunk, so memory stays flat however many
rows there are. ``.sav`` and ``.dta`` cannot be appended to (pyreadstat writes
a whole data frame), so they are written afterwards from the Parquet file, one
table at a time, with numbers as doubles and strings as categories.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat

from surveys.export.fields import Field

_ARROW = {"integer": pa.int64(), "string": pa.string()}
#: Stata's limit for a variable label.
STATA_LABEL = 80


class TableWriter:
    """Appends rows (lists in field order, None = missing) to name.csv and name.parquet."""

    def __init__(self, folder: Path, name: str, fields: list[Field]) -> None:
        self.fields = fields
        self.csv_path = folder / f"{name}.csv"
        self.parquet_path = folder / f"{name}.parquet"
        self._csv_file = self.csv_path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow([f.name for f in fields])
        self.schema = pa.schema([pa.field(f.name, _ARROW[f.type]) for f in fields])
        self._parquet = pq.ParquetWriter(self.parquet_path, self.schema, compression="zstd")
        self.rows = 0

    def write(self, rows: list[list[Any]]) -> None:
        if not rows:
            return
        self._csv.writerows(rows)
        columns = list(zip(*rows, strict=True))
        arrays = [
            pa.array(column, type=_ARROW[f.type])
            for f, column in zip(self.fields, columns, strict=True)
        ]
        self._parquet.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows += len(rows)

    def close(self) -> None:
        self._csv_file.close()
        self._parquet.close()


def write_spss_and_stata(parquet_path: Path, fields: list[Field], title: str) -> list[Path]:
    """name.sav and name.dta beside the Parquet file, with variable and value labels."""
    frame = pq.read_table(parquet_path).to_pandas()
    for f in fields:
        if f.type == "integer":
            frame[f.name] = frame[f.name].astype("float64")
        else:
            frame[f.name] = frame[f.name].fillna("").astype(object)
    labels: dict[str, str | None] = {f.name: f.title for f in fields}
    value_labels: dict[str, dict[int | float, str]] = {}
    for f in fields:
        if f.value_labels:
            value_labels[f.name] = {float(v): text for v, text in f.value_labels.items()}
    sav = parquet_path.with_suffix(".sav")
    dta = parquet_path.with_suffix(".dta")
    pyreadstat.write_sav(
        frame,
        str(sav),
        file_label=title,
        column_labels=labels,
        variable_value_labels=value_labels,
    )
    pyreadstat.write_dta(
        frame,
        str(dta),
        file_label=title[:STATA_LABEL],
        column_labels={f.name: f.title[:STATA_LABEL] for f in fields},
        variable_value_labels=value_labels,
    )
    del frame
    return [sav, dta]
