"""Bulk enrolment: a CSV of ``internal_id,role`` into one programme, all or nothing.

Like the HR import, every row is checked first (unknown HR id, unknown role, a
person listed twice, a role change for someone in an active pairing) and one
bad row rejects the file with every problem listed by row; nothing is written
then. People already enrolled in the same role are counted as unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from surveys.db.models import Enrolment, Pairing, Person, Programme
from surveys.domain.vocab import ROLES
from surveys.services.errors import Conflict, Invalid, NotFound
from surveys.services.members import member_firm_ids
from surveys.services.people.problems import ImportRejected, RowProblem

ENROLMENT_COLUMNS = ("internal_id", "role")
MAX_ENROLMENT_ROWS = 50_000


@dataclass(frozen=True)
class EnrolmentResult:
    enrolled: int
    changed: int
    unchanged: int

    def __str__(self) -> str:
        return (
            f"{self.enrolled} people enrolled, {self.changed} changed role, "
            f"{self.unchanged} unchanged"
        )


def read_enrolment_csv(data: bytes | str) -> list[tuple[int, str, str]]:
    """(line, internal_id, role) for each row of the file; ImportRejected if unusable."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRejected(
                [RowProblem(1, None, "the file is not UTF-8 text; save it as CSV (UTF-8)")]
            ) from None
    if "\x00" in data:
        line = data.count("\n", 0, data.index("\x00")) + 1
        raise ImportRejected(
            [RowProblem(line, None, "the file contains a NUL byte; save it again as CSV (UTF-8)")]
        )
    reader = csv.reader(io.StringIO(data.removeprefix("\ufeff"), newline=""), strict=True)
    rows: list[tuple[int, str, str]] = []
    problems: list[RowProblem] = []
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if sorted(header) != sorted(ENROLMENT_COLUMNS):
            raise ImportRejected(
                [RowProblem(1, None, "the header must be exactly: internal_id,role")]
            )
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) != 2:
                problems.append(RowProblem(reader.line_num, None, "needs 2 fields"))
                continue
            raw = dict(zip(header, values, strict=True))
            rows.append((reader.line_num, raw["internal_id"].strip(), raw["role"].strip().lower()))
            if len(rows) > MAX_ENROLMENT_ROWS:
                raise ImportRejected(
                    [RowProblem(reader.line_num, None, f"more than {MAX_ENROLMENT_ROWS} rows")]
                )
    except csv.Error as exc:
        raise ImportRejected(
            [RowProblem(reader.line_num, None, f"malformed CSV ({exc})")]
        ) from None
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([RowProblem(2, None, "the file has a header but no people")])
    return rows


def enrol_from_rows(
    session: Session,
    programme_id: int,
    rows: Iterable[tuple[int, str, str]],
    on: date | None = None,
) -> EnrolmentResult:
    """Enrol every row's person in its role (caller commits); ImportRejected if any is wrong."""
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(f"there is no programme {programme_id}")
    rows = list(rows)
    wanted_ids = {internal_id for _, internal_id, _ in rows}
    # The programme's own firm first; else the one member firm that has the HR id
    # (cross-organisation programmes). An HR id two other members share is not enrolled.
    found: dict[str, list[tuple[bool, int]]] = {}
    for internal_id, person_id, firm_id in session.execute(
        select(Person.internal_id, Person.id, Person.firm_id).where(
            Person.firm_id.in_(sorted(member_firm_ids(session, programme))),
            Person.internal_id.in_(wanted_ids),
        )
    ):
        found.setdefault(internal_id, []).append((firm_id == programme.firm_id, person_id))
    people = {
        internal_id: max(matches)[1]
        for internal_id, matches in found.items()
        if len(matches) == 1 or max(matches)[0]
    }
    problems: list[RowProblem] = []
    first: dict[str, int] = {}
    plan: list[tuple[int, int, str, str]] = []
    for line, internal_id, role in rows:
        if not internal_id:
            problems.append(RowProblem(line, "internal_id", "is required"))
        elif internal_id not in people:
            problems.append(
                RowProblem(
                    line,
                    "internal_id",
                    f"several member firms have HR id {internal_id!r}"
                    if internal_id in found
                    else f"nobody has HR id {internal_id!r} in this firm",
                )
            )
        elif internal_id in first:
            problems.append(
                RowProblem(line, "internal_id", f"duplicate of row {first[internal_id]}")
            )
        if role not in ROLES:
            problems.append(RowProblem(line, "role", f"must be one of {', '.join(ROLES)}"))
        if internal_id in people and role in ROLES and internal_id not in first:
            plan.append((line, people[internal_id], internal_id, role))
        first.setdefault(internal_id, line)
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: (p.row, p.column or "")))
    try:
        result = enrol_many(
            session, programme.id, [(person, role) for _, person, _, role in plan], on
        )
    except _Blocked as exc:
        lines = {person: (line, internal_id) for line, person, internal_id, _ in plan}
        for person_id, old in exc.blocked:
            line, internal_id = lines[person_id]
            problems.append(
                RowProblem(
                    line, "role", f"{internal_id} is in an active pairing as {old}; end it first"
                )
            )
        result = None
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: (p.row, p.column or "")))
    assert result is not None
    return result


class _Blocked(Conflict):
    def __init__(self, blocked: list[tuple[int, str]]) -> None:
        self.blocked = blocked
        super().__init__(f"{len(blocked)} people are in an active pairing in another role")


def enrol_many(
    session: Session,
    programme_id: int,
    wanted: Sequence[tuple[int, str]],
    on: date | None = None,
) -> EnrolmentResult:
    """Enrol (person id, role) pairs of the programme's firm, in a constant number of queries.

    Raises Conflict (nothing written) when someone in an active pairing would change role.
    """
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(f"there is no programme {programme_id}")
    if any(role not in ROLES for _, role in wanted):
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    ids = {person_id for person_id, _ in wanted}
    members = sorted(member_firm_ids(session, programme))
    of_firm = set(
        session.scalars(select(Person.id).where(Person.firm_id.in_(members), Person.id.in_(ids)))
    )
    if of_firm != ids:
        raise NotFound("some of these people are not in this programme's firms")
    existing = {
        e.person_id: e
        for e in session.scalars(
            select(Enrolment).where(
                Enrolment.programme_id == programme.id, Enrolment.person_id.in_(ids)
            )
        )
    }
    paired = set()
    for mentor_id, mentee_id in session.execute(
        select(Pairing.mentor_id, Pairing.mentee_id).where(
            Pairing.programme_id == programme.id,
            Pairing.ended_on.is_(None),
            or_(Pairing.mentor_id.in_(ids), Pairing.mentee_id.in_(ids)),
        )
    ):
        paired |= {mentor_id, mentee_id}
    blocked = [
        (person_id, existing[person_id].role)
        for person_id, role in wanted
        if person_id in existing and existing[person_id].role != role and person_id in paired
    ]
    if blocked:
        raise _Blocked(blocked)
    enrolled = changed = unchanged = 0
    for person_id, role in wanted:
        found = existing.get(person_id)
        if found is None:
            session.add(
                Enrolment(
                    programme_id=programme.id,
                    person_id=person_id,
                    role=role,
                    enrolled_on=on or date.today(),
                )
            )
            enrolled += 1
        elif found.role != role:
            found.role = role
            changed += 1
        else:
            unchanged += 1
    session.flush()
    return EnrolmentResult(enrolled, changed, unchanged)
