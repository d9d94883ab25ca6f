"""Reading an HR file into rows of text: the CSV (or JSON) shape, before any value is checked.

Both readers return ``(row number, column -> text)`` pairs and raise ImportRejected
when the file itself is unusable: not UTF-8, malformed, unknown or missing columns,
rows of the wrong width, or more than MAX_ROWS people.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from surveys.services.people.problems import ImportRejected, RowProblem

REQUIRED = ("internal_id", "email", "level", "practice_area", "office", "start_date")
OPTIONAL = (
    "leave_date",
    "leave_reason",
    "promotion_dates",
    "working_pattern",
    "gender",
    "ethnicity",
    "given_name",
    "family_name",
    "manager_id",
    "team",
    "language",
)
COLUMNS = REQUIRED + OPTIONAL
MAX_ROWS = 50_000
#: Unknown or repeated columns named in a message at most (a 40,000-column header
#: gets a short answer, not a 400 kB one).
MAX_NAMED = 10


def read_csv(data: bytes | str) -> list[tuple[int, dict[str, str]]]:
    """The rows of an HR CSV as (line number, column -> text); raises ImportRejected."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRejected(
                [RowProblem(1, None, "the file is not UTF-8 text; save it as CSV (UTF-8)")]
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportRejected(
            [RowProblem(line, None, "the file contains a NUL byte; save it again as CSV (UTF-8)")]
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ImportRejected([RowProblem(1, None, "the file is empty; it needs a header row")])
        names = [h.strip().lower() for h in header]
        problems = header_problems(names)
        if problems:
            raise ImportRejected(problems)
        rows = []
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(names):
                problems.append(
                    RowProblem(line, None, f"has {len(values)} fields, the header has {len(names)}")
                )
                continue
            rows.append((line, dict(zip(names, values, strict=True))))
            if len(rows) > MAX_ROWS:
                raise ImportRejected([RowProblem(line, None, f"more than {MAX_ROWS} rows")])
    except csv.Error as exc:
        raise ImportRejected(
            [RowProblem(reader.line_num, None, f"malformed CSV ({exc})")]
        ) from None
    if problems:
        raise ImportRejected(problems)
    return rows


def header_problems(names: list[str]) -> list[RowProblem]:
    """What is wrong with a header row: unknown, missing and repeated columns (linear in width)."""
    problems = []
    unknown = list(dict.fromkeys(n for n in names if n not in COLUMNS))
    if unknown:
        shown = ", ".join(map(repr, unknown[:MAX_NAMED]))
        more = f" and {len(unknown) - MAX_NAMED} more" if len(unknown) > MAX_NAMED else ""
        problems.append(
            RowProblem(
                1,
                None,
                f"unknown column{'s' if len(unknown) > 1 else ''} {shown}{more}"
                f" (expected: {', '.join(COLUMNS)})",
            )
        )
    present = set(names)
    missing = [n for n in REQUIRED if n not in present]
    if missing:
        problems.append(RowProblem(1, None, f"missing required column(s) {', '.join(missing)}"))
    repeated = sorted(n for n, count in Counter(names).items() if count > 1)
    if repeated:
        more = f" and {len(repeated) - MAX_NAMED} more" if len(repeated) > MAX_NAMED else ""
        problems.append(
            RowProblem(1, None, f"column(s) given twice: {', '.join(repeated[:MAX_NAMED])}{more}")
        )
    return problems


def records_from_json(items: Any) -> list[tuple[int, dict[str, str]]]:
    """The same rows from a JSON array of objects (row = position in the array, from 1)."""
    if not isinstance(items, list):
        raise ImportRejected([RowProblem(0, None, "expected a JSON array of people")])
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[RowProblem] = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(RowProblem(index, None, "each person must be a JSON object"))
            continue
        unknown = sorted(k for k in item if k not in COLUMNS)
        if unknown:
            problems.append(RowProblem(index, None, f"unknown field(s) {', '.join(unknown)}"))
            continue
        row: dict[str, str] = {}
        for key, value in item.items():
            if isinstance(value, list) and key == "promotion_dates":
                value = ";".join(str(v) for v in value)
            if value is None:
                value = ""
            if not isinstance(value, str):
                problems.append(RowProblem(index, key, "must be a string"))
                continue
            if "\x00" in value:
                problems.append(RowProblem(index, key, "contains a NUL character"))
                continue
            row[key] = value
        rows.append((index, row))
    if len(rows) > MAX_ROWS:
        problems.append(RowProblem(0, None, f"more than {MAX_ROWS} people"))
    if problems:
        raise ImportRejected(problems)
    return rows
