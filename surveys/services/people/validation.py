"""Checking rows: each row on its own (validate_row), then the rows against each other and
the firm's people already on file (cross_row_problems). Nothing here writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Person
from surveys.domain.vocab import LEAVE_REASONS, LEVELS, PREFER_NOT_TO_SAY, WORKING_PATTERNS
from surveys.languages import LANGUAGES, normalise
from surveys.mail.addresses import deliverable
from surveys.services.people.problems import RowProblem
from surveys.services.people.promotions import parse_date, parse_promotions
from surveys.services.people.reading import COLUMNS, REQUIRED

_LENGTHS = {
    "internal_id": 100,
    "email": 254,
    "practice_area": 100,
    "office": 100,
    "gender": 60,
    "ethnicity": 100,
    "given_name": 100,
    "family_name": 100,
    "manager_id": 100,
    "team": 100,
}


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
    given_name: str | None = None
    family_name: str | None = None
    manager_id: str | None = None
    team: str | None = None
    language: str | None = None


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
    if email and "\x00" not in email:  # a NUL is its own problem (the reader's)
        try:  # the address invitations will go to: IDNA domains converted, no SMTPUTF8
            email = deliverable(value["email"])
        except ValueError as exc:
            problems.append(RowProblem(row, "email", str(exc)))
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
        parse_date(value["start_date"], "start_date", row, problems)
        if value["start_date"]
        else None
    )
    left = (
        parse_date(value["leave_date"], "leave_date", row, problems)
        if value["leave_date"]
        else None
    )
    language = normalise(value["language"])
    if value["language"] and language is None:
        problems.append(
            RowProblem(
                row,
                "language",
                f"{value['language']!r} is not a language Flipside speaks ({', '.join(LANGUAGES)})",
            )
        )
    if value["manager_id"] and value["manager_id"] == value["internal_id"]:
        problems.append(RowProblem(row, "manager_id", "is the person's own HR id"))
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
    promotions = parse_promotions(value["promotion_dates"], level, row, problems)
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
        given_name=value["given_name"] or None,
        family_name=value["family_name"] or None,
        manager_id=value["manager_id"] or None,
        team=value["team"] or None,
        language=language,
    ), []


def _self_described(text: str) -> str | None:
    if not text:
        return None
    return PREFER_NOT_TO_SAY if text.lower() == PREFER_NOT_TO_SAY else text


def cross_row_problems(
    session: Session, firm_id: int, records: list[PersonRecord]
) -> list[RowProblem]:
    """Repeated ids or e-mails in the file, and e-mails held by someone the file leaves out."""
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
