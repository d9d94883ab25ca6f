"""Writing one exported table: a raw CSV in chunks, then Parquet and the safe CSV from it.

Rows are appended chunk by chunk to a raw CSV (memory stays flat however many
rows there are); on close Arrow's CSV reader streams it, in C++ and in blocks,
into ``name.parquet`` (text exactly as written) and ``name.csv``, where text a
spreadsheet would run as a formula is neutralised (:func:`neutralise`). The
same pass counts each coded column's values for the codebook. ``.sav`` and
``.dta`` follow from the Parquet file (:mod:`surveys.export.statfiles`).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from surveys.export.fields import Field

_ARROW = {"integer": pa.int64(), "string": pa.string()}
#: OWASP's CSV injection rule: a cell starting with = + - @ (after any leading
#: whitespace), or with a tab or carriage return, is a formula to a spreadsheet.
FORMULA = r"^(?:[\t\r]|\s*[=+\-@])"
#: A missing code in a coded text column is a number to a spreadsheet, not a formula.
_CODE = r"^-9[6-9]$"


def neutralise(column: pa.Array) -> pa.Array:
    """Text cells a spreadsheet would treat as formulas, prefixed with a single quote."""
    risky = pc.and_(
        pc.match_substring_regex(column, FORMULA),
        pc.invert(pc.match_substring_regex(column, _CODE)),
    )
    quoted = pc.binary_join_element_wise(pa.scalar("'"), column, "")
    return pc.if_else(pc.fill_null(risky, False), quoted, column)


class TableWriter:
    """Appends rows (lists in field order, None = blank) to a raw CSV; on close writes
    name.parquet and the safe name.csv from it, and :attr:`counts` for the codebook."""

    def __init__(self, folder: Path, name: str, fields: list[Field]) -> None:
        self.fields = fields
        self.raw_path = folder / f".raw-{name}.csv"
        self.csv_path = folder / f"{name}.csv"
        self.parquet_path = folder / f"{name}.parquet"
        self._raw_file = self.raw_path.open("w", newline="", encoding="utf-8")
        self._raw = csv.writer(self._raw_file)
        self._raw.writerow([f.name for f in fields])
        self.schema = pa.schema([pa.field(f.name, _ARROW[f.type]) for f in fields])
        self.rows = 0
        #: column -> value (as text) -> rows, for answers and coded columns
        self.counts: dict[str, Counter[str]] = {}
        self._closed = False

    def write(self, rows: list[list[Any]]) -> None:
        self._raw.writerows(rows)
        self.rows += len(rows)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._raw_file.close()
        reader = pacsv.open_csv(
            self.raw_path,
            read_options=pacsv.ReadOptions(block_size=8 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=self.schema,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        text = [i for i, f in enumerate(self.fields) if f.type == "string"]
        counted = [i for i, f in enumerate(self.fields) if f.source[0] not in ("meta", "text")]
        self.counts = {self.fields[i].name: Counter() for i in counted}
        with (
            pq.ParquetWriter(self.parquet_path, self.schema, compression="zstd") as parquet,
            pacsv.CSVWriter(self.csv_path, self.schema) as safe,
        ):
            for batch in reader:
                parquet.write_batch(batch)
                columns = list(batch.columns)
                for i in text:
                    columns[i] = neutralise(columns[i])
                safe.write_batch(pa.RecordBatch.from_arrays(columns, schema=self.schema))
                for i in counted:
                    tally = self.counts[self.fields[i].name]
                    for item in pc.value_counts(batch.column(i)).to_pylist():
                        if item["values"] is not None:
                            tally[str(item["values"])] += item["counts"]
        self.raw_path.unlink()
        pa.default_memory_pool().release_unused()  # Arrow's pool keeps freed blocks otherwise
