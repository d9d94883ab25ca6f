"""Writing one exported table: CSV and Parquet in chunks, then SPSS and Stata from the Parquet.

CSV is appended chunk by chunk and Parquet streamed from it, so memory stays
flat however many rows there are. ``.sav`` and ``.dta`` cannot be appended to (pyreadstat writes
a whole data frame), so they are written afterwards from the Parquet file, one
table at a time, with numbers as doubles and strings as categories.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pyreadstat

from surveys.export.fields import Field

_ARROW = {"integer": pa.int64(), "string": pa.string()}
#: Stata's limit for a variable label.
STATA_LABEL = 80


class TableWriter:
    """Appends rows (lists in field order, None = missing) to name.csv; Parquet on close.

    Rows are written once, as CSV; on :meth:`close` Arrow's CSV reader streams
    that file into name.parquet with the codebook's types (C++ throughout, in
    blocks), which costs far less than building Arrow arrays from Python lists.
    """

    def __init__(self, folder: Path, name: str, fields: list[Field]) -> None:
        self.fields = fields
        self.csv_path = folder / f"{name}.csv"
        self.parquet_path = folder / f"{name}.parquet"
        self._csv_file = self.csv_path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow([f.name for f in fields])
        self.schema = pa.schema([pa.field(f.name, _ARROW[f.type]) for f in fields])
        self.rows = 0
        self._closed = False

    def write(self, rows: list[list[Any]]) -> None:
        self._csv.writerows(rows)
        self.rows += len(rows)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._csv_file.close()
        reader = pacsv.open_csv(
            self.csv_path,
            read_options=pacsv.ReadOptions(block_size=8 << 20),
            convert_options=pacsv.ConvertOptions(
                column_types=self.schema,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        with pq.ParquetWriter(self.parquet_path, self.schema, compression="zstd") as parquet:
            for batch in reader:
                parquet.write_batch(batch)
        pa.default_memory_pool().release_unused()  # Arrow's pool keeps freed blocks otherwise


def write_spss_and_stata(parquet_path: Path, fields: list[Field], title: str) -> list[Path]:
    """name.sav and name.dta beside the Parquet file, with variable and value labels."""
    frame = pq.read_table(parquet_path).to_pandas(self_destruct=True, split_blocks=True)
    for f in fields:
        if f.type == "integer":  # SPSS and Stata hold numbers as doubles; NaN is missing
            frame[f.name] = frame[f.name].astype("float64")
    labels: dict[str, str | None] = {f.name: f.title for f in fields}
    value_labels: dict[str, dict[int | float, str]] = {}
    for f in fields:
        if f.value_labels:
            value_labels[f.name] = {float(v): text for v, text in f.value_labels.items()}
    pa.default_memory_pool().release_unused()
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
