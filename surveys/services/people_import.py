"""Importing a firm's people from an HR file: all or nothing, with a row-by-row report.

The file is a CSV with a header row. Columns (``*`` = required)::

    internal_id*  email*  level*  practice_area*  office*  start_date*
    leave_date  leave_reason  promotion_dates  working_pattern  gender  ethnicity

Dates are ISO (``2024-09-01``). ``level`` is one of LEVELS; ``working_pattern``
is ``full-time`` (the default when empty) or ``part-time``; ``leave_reason``
is one of LEAVE_REASONS and needs a ``leave_date``. ``promotion_dates`` lists
the person's promotions separated by ``;``: each is a date, optionally followed
by ``=level`` (``2024-09-01=senior associate``). A bare date is a promotion to
the next level up, counting back from the current level, so the last date is
the promotion to the level the person holds now. ``gender`` and ``ethnicity``
are optional self-descriptions; "prefer not to say" is kept as given.

Every row is checked before anything is written; one bad row rejects the whole
file with a list of every problem found (row number, column, message).
Re-importing updates people by ``internal_id`` and replaces their promotions;
people absent from the file are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from surveys.db.models import Firm, Person, Promotion
from surveys.domain.vocab import LEAVE_REASONS, LEVELS, PREFER_NOT_TO_SAY, WORKING_PATTERNS
from surveys.services.errors import Invalid, NotFound

REQUIRED = ("internal_id", "email", "level", "practice_area", "office", "start_date")
OPTIONAL = (
    "leave_date",
    "leave_reason",
    "promotion_dates",
    "working_pattern",
    "gender",
    "ethnicity",
)
COLUMNS = REQUIRED + OPTIONAL
MAX_ROWS = 50_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LENGTHS = {
    "internal_id": 100,
    "email": 254,
    "practice_area": 100,
    "office": 100,
    "gender": 60,
    "ethnicity": 100,
}


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with the file: ``row`` is the line number (the header is row 1)."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(Invalid):
    """The file was refused as a whole; ``problems`` lists every row at fault."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(
            f"nothing was imported: the file has {count} problem{'s' if count != 1 else ''}"
        )


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    promotions: int

    def __str__(self) -> str:
        return (
            f"{self.created} people added, {self.updated} updated, {self.unchanged} unchanged "
            f"({self.promotions} promotions on file)"
        )


@dataclass
class PersonRecord:
    """One valid row, ready to write."""

    row: int
    internal_id: str
    email: str
    level: str
    practice_area: str
    office: str
    started_on: date
    left_on: date | None
    leave_reason: str | None
    working_pattern: str
    gender: str | None
    ethnicity: str | None
    promotions: list[tuple[date, str]] = field(default_factory=list)


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
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ImportRejected([RowProblem(1, None, "the file is empty; it needs a header row")])
        names = [h.strip().lower() for h in header]
        problems = _header_problems(names)
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


def _header_problems(names: list[str]) -> list[RowProblem]:
    problems = []
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        problems.append(
            RowProblem(
                1,
                None,
                f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
                f" (expected: {', '.join(COLUMNS)})",
            )
        )
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        problems.append(RowProblem(1, None, f"missing required column(s) {', '.join(missing)}"))
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        problems.append(RowProblem(1, None, f"column(s) given twice: {', '.join(repeated)}"))
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
            row[key] = value
        rows.append((index, row))
    if len(rows) > MAX_ROWS:
        problems.append(RowProblem(0, None, f"more than {MAX_ROWS} people"))
    if problems:
        raise ImportRejected(problems)
    return rows


def _date(text: str, column: str, row: int, problems: list[RowProblem]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(RowProblem(row, column, f"{text!r} is not a date (use YYYY-MM-DD)"))
        return None


def _promotions(
    text: str, level: str, row: int, problems: list[RowProblem]
) -> list[tuple[date, str]]:
    parts = [p.strip() for p in text.split(";") if p.strip()]
    found: list[tuple[date, str | None]] = []
    for part in parts:
        when, _, to_level = part.partition("=")
        on = _date(when.strip(), "promotion_dates", row, problems)
        wanted = to_level.strip().lower() or None
        if wanted is not None and wanted not in LEVELS:
            problems.append(
                RowProblem(row, "promotion_dates", f"unknown level {to_level.strip()!r}")
            )
            return []
        if on is not None:
            found.append((on, wanted))
    dates = [d for d, _ in found]
    if len(set(dates)) != len(dates):
        problems.append(RowProblem(row, "promotion_dates", "the same date is given twice"))
        return []
    found.sort(key=lambda p: p[0])
    result: list[tuple[date, str]] = []
    rung = LEVELS.index(level) if level in LEVELS else len(LEVELS) - 1
    for on, wanted in reversed(found):
        if wanted is None:
            if rung < 1:
                problems.append(
                    RowProblem(
                        row,
                        "promotion_dates",
                        f"more promotions than levels below {level!r}; name the level "
                        "(2024-09-01=associate)",
                    )
                )
                return []
            wanted = LEVELS[rung]
        result.append((on, wanted))
        rung = LEVELS.index(wanted) - 1
    result.reverse()
    return result


def validate_row(row: int, raw: Mapping[str, str]) -> tuple[PersonRecord | None, list[RowProblem]]:
    """Check one row on its own; the record when valid, and every problem found."""
    problems: list[RowProblem] = []
    value = {c: (raw.get(c) or "").strip() for c in COLUMNS}
    for column in REQUIRED:
        if not value[column]:
            problems.append(RowProblem(row, column, "is required"))
    for column, limit in _LENGTHS.items():
        if len(value[column]) > limit:
            problems.append(RowProblem(row, column, f"is longer than {limit} characters"))
    email = value["email"].lower()
    if email and not _EMAIL.match(email):
        problems.append(RowProblem(row, "email", f"{value['email']!r} is not an e-mail address"))
    level = value["level"].lower()
    if level and level not in LEVELS:
        problems.append(
            RowProblem(row, "level", f"unknown level {value['level']!r} ({', '.join(LEVELS)})")
        )
    pattern = value["working_pattern"].lower().replace(" ", "-") or "full-time"
    if pattern not in WORKING_PATTERNS:
        problems.append(
            RowProblem(
                row, "working_pattern", f"{value['working_pattern']!r} is not full-time/part-time"
            )
        )
    started = (
        _date(value["start_date"], "start_date", row, problems) if value["start_date"] else None
    )
    left = _date(value["leave_date"], "leave_date", row, problems) if value["leave_date"] else None
    if started and left and left < started:
        problems.append(RowProblem(row, "leave_date", "is before the start date"))
    reason = value["leave_reason"].lower() or None
    if reason is not None and reason not in LEAVE_REASONS:
        problems.append(
            RowProblem(
                row, "leave_reason", f"unknown reason {reason!r} ({', '.join(LEAVE_REASONS)})"
            )
        )
    if reason is not None and not value["leave_date"]:
        problems.append(RowProblem(row, "leave_reason", "is given without a leave date"))
    promotions = _promotions(value["promotion_dates"], level, row, problems)
    for on, _ in promotions:
        if started and on < started:
            problems.append(RowProblem(row, "promotion_dates", f"{on} is before the start date"))
        if left and on > left:
            problems.append(RowProblem(row, "promotion_dates", f"{on} is after the leave date"))
    if problems or started is None:
        return None, problems
    return PersonRecord(
        row=row,
        internal_id=value["internal_id"],
        email=email,
        level=level,
        practice_area=value["practice_area"],
        office=value["office"],
        started_on=started,
        left_on=left,
        leave_reason=reason,
        working_pattern=pattern,
        gender=_self_described(value["gender"]),
        ethnicity=_self_described(value["ethnicity"]),
        promotions=promotions,
    ), []


def _self_described(text: str) -> str | None:
    if not text:
        return None
    return PREFER_NOT_TO_SAY if text.lower() == PREFER_NOT_TO_SAY else text


def _cross_row_problems(
    session: Session, firm_id: int, records: list[PersonRecord]
) -> list[RowProblem]:
    problems = []
    first_by_id: dict[str, int] = {}
    first_by_email: dict[str, int] = {}
    for r in records:
        if r.internal_id in first_by_id:
            problems.append(
                RowProblem(r.row, "internal_id", f"duplicate of row {first_by_id[r.internal_id]}")
            )
        first_by_id.setdefault(r.internal_id, r.row)
        if r.email in first_by_email:
            problems.append(
                RowProblem(r.row, "email", f"duplicate of row {first_by_email[r.email]}")
            )
        first_by_email.setdefault(r.email, r.row)
    # An e-mail address may move between people only if its current holder is in the file too.
    in_file = set(first_by_id)
    holders = {
        email: internal_id
        for email, internal_id in session.execute(
            select(Person.email, Person.internal_id).where(Person.firm_id == firm_id)
        )
    }
    for r in records:
        holder = holders.get(r.email)
        if holder is not None and holder != r.internal_id:
            if holder not in in_file:
                problems.append(
                    RowProblem(r.row, "email", f"{r.email} belongs to {holder} already")
                )
    return problems


def import_people(
    session: Session, firm_id: int, rows: Iterable[tuple[int, Mapping[str, str]]]
) -> ImportResult:
    """Validate every row, then create or update the firm's people (caller commits).

    Raises ImportRejected with every problem when any row is at fault; nothing
    is written then.
    """
    if session.get(Firm, firm_id) is None:
        raise NotFound(f"there is no firm {firm_id}")
    records: list[PersonRecord] = []
    problems: list[RowProblem] = []
    for row, raw in rows:
        record, found = validate_row(row, raw)
        problems += found
        if record is not None:
            records.append(record)
    if not records and not problems:
        raise ImportRejected([RowProblem(2, None, "the file has a header but no people")])
    problems += _cross_row_problems(session, firm_id, records)
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: (p.row, p.column or "")))
    return _write(session, firm_id, records)


def _write(session: Session, firm_id: int, records: list[PersonRecord]) -> ImportResult:
    existing = {
        p.internal_id: p for p in session.scalars(select(Person).where(Person.firm_id == firm_id))
    }
    wanted = {r.internal_id for r in records}
    existing = {k: p for k, p in existing.items() if k in wanted}
    promotions_of: dict[int, set[tuple[date, str]]] = {}
    if existing:
        for person_id, on, to_level in session.execute(
            select(Promotion.person_id, Promotion.promoted_on, Promotion.to_level)
            .join(Person, Person.id == Promotion.person_id)
            .where(Person.firm_id == firm_id)
        ):
            promotions_of.setdefault(person_id, set()).add((on, to_level))
    created = updated = unchanged = 0
    final = {r.internal_id: r for r in records}
    # Free e-mail addresses that move to someone else in this file before any is reused.
    moving = {p.id for p in existing.values() if p.email != final[p.internal_id].email}
    for person in existing.values():
        if person.id in moving:
            person.email = f"moving-{person.id}@invalid"
    if moving:
        session.flush()
    people: list[tuple[Person, PersonRecord]] = []
    for record in records:
        values = {
            "email": record.email,
            "level": record.level,
            "practice_area": record.practice_area,
            "office": record.office,
            "started_on": record.started_on,
            "left_on": record.left_on,
            "leave_reason": record.leave_reason,
            "working_pattern": record.working_pattern,
            "gender": record.gender,
            "ethnicity": record.ethnicity,
        }
        found = existing.get(record.internal_id)
        if found is None:
            person = Person(firm_id=firm_id, internal_id=record.internal_id, **values)
            session.add(person)
            created += 1
        else:
            person = found
            changed = person.id in moving or any(getattr(person, k) != v for k, v in values.items())
            for key, new in values.items():
                setattr(person, key, new)
            if changed or promotions_of.get(person.id, set()) != set(record.promotions):
                updated += 1
            else:
                unchanged += 1
        people.append((person, record))
    session.flush()
    touched = {p.id for p, r in people if promotions_of.get(p.id, set()) != set(r.promotions)}
    if touched:
        session.execute(delete(Promotion).where(Promotion.person_id.in_(touched)))
        new_rows = [
            {"person_id": p.id, "promoted_on": on, "to_level": to}
            for p, r in people
            if p.id in touched
            for on, to in r.promotions
        ]
        if new_rows:
            session.execute(insert(Promotion), new_rows)
    session.flush()
    return ImportResult(created, updated, unchanged, sum(len(r.promotions) for r in records))
