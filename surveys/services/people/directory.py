"""Finding people: search (name, e-mail, HR id) and filters, one page at a time.

The people and enrolment pages of a firm of 10,000 people read one page (PER_PAGE
rows) with one query: the total comes along as a window count, and the role in
the chosen programme from an outer join on its enrolments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from surveys.db.models import Enrolment, Person
from surveys.domain.vocab import ROLES

PER_PAGE = 50
#: Enrolment filters: anyone, enrolled in any role, not enrolled, or one role.
ENROLMENT_FILTERS = ("", "enrolled", "not-enrolled", *ROLES)


@dataclass(frozen=True)
class PeopleFilter:
    """What the staff member typed and chose; empty strings mean "any"."""

    search: str = ""
    level: str = ""
    practice_area: str = ""
    office: str = ""
    enrolment: str = ""
    page: int = 1


@dataclass(frozen=True)
class PersonRow:
    id: int
    internal_id: str
    name: str
    email: str
    level: str
    practice_area: str
    office: str
    role: str | None


@dataclass(frozen=True)
class PeoplePage:
    rows: list[PersonRow]
    total: int
    page: int
    pages: int
    options: dict[str, list[str]] = field(default_factory=dict)


def display_name(given: str | None, family: str | None) -> str:
    """ "Given Family", or "" when the HR file had no names."""
    return " ".join(part for part in (given, family) if part)


def person_label(internal_id: str, given: str | None, family: str | None, email: str) -> str:
    """How staff see a person wherever they pick one: name, e-mail and HR id."""
    name = display_name(given, family)
    return f"{name} <{email}> ({internal_id})" if name else f"{email} ({internal_id})"


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_people(
    session: Session, firm_id: int, wanted: PeopleFilter, programme_id: int | None = None
) -> PeoplePage:
    """One page of the firm's people matching ``wanted``, sorted by name then HR id.

    ``role`` is the person's role in ``programme_id`` (None when not enrolled or no
    programme is given); the enrolment filter needs a programme and is ignored without.
    """
    role = Enrolment.role if programme_id is not None else cast(None, String)
    query = select(
        Person.id,
        Person.internal_id,
        Person.given_name,
        Person.family_name,
        Person.email,
        Person.level,
        Person.practice_area,
        Person.office,
        role.label("role"),
        func.count().over().label("total"),
    ).where(Person.firm_id == firm_id)
    if programme_id is not None:
        query = query.outerjoin(
            Enrolment,
            and_(Enrolment.person_id == Person.id, Enrolment.programme_id == programme_id),
        )
        if wanted.enrolment == "enrolled":
            query = query.where(Enrolment.id.is_not(None))
        elif wanted.enrolment == "not-enrolled":
            query = query.where(Enrolment.id.is_(None))
        elif wanted.enrolment in ROLES:
            query = query.where(Enrolment.role == wanted.enrolment)
    for column, value in (
        (Person.level, wanted.level),
        (Person.practice_area, wanted.practice_area),
        (Person.office, wanted.office),
    ):
        if value:
            query = query.where(column == value)
    for word in wanted.search.split()[:5]:
        pattern = _like(word)
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        Person.internal_id,
                        Person.email,
                        Person.given_name,
                        Person.family_name,
                    )
                )
            )
        )
    page = max(1, wanted.page)
    query = (
        query.order_by(
            Person.family_name.is_(None), Person.family_name, Person.given_name, Person.internal_id
        )
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    found = session.execute(query).all()
    total = found[0].total if found else 0
    rows = [
        PersonRow(
            r.id,
            r.internal_id,
            display_name(r.given_name, r.family_name),
            r.email,
            r.level,
            r.practice_area,
            r.office,
            r.role,
        )
        for r in found
    ]
    return PeoplePage(rows, total, page, max(1, -(-total // PER_PAGE)))


def filter_options(session: Session, firm_id: int) -> dict[str, list[str]]:
    """The practice areas and offices the firm's people have, for the filter lists."""
    return {
        "practice_area": list(
            session.scalars(
                select(Person.practice_area)
                .where(Person.firm_id == firm_id)
                .distinct()
                .order_by(Person.practice_area)
            )
        ),
        "office": list(
            session.scalars(
                select(Person.office)
                .where(Person.firm_id == firm_id)
                .distinct()
                .order_by(Person.office)
            )
        ),
    }
