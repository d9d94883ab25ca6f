"""The import use case: validate every row, then create or update the firm's people at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from surveys.db.models import Firm, Person, Promotion
from surveys.services.errors import NotFound
from surveys.services.people.problems import ImportRejected, RowProblem
from surveys.services.people.validation import PersonRecord, cross_row_problems, validate_row


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
    problems += cross_row_problems(session, firm_id, records)
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
            "given_name": record.given_name,
            "family_name": record.family_name,
            "manager_id": record.manager_id,
            "team": record.team,
            "language": record.language,
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
