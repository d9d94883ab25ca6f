"""Cross-organisation programmes: member firms, and whose results a reader may see.

A programme belongs to one firm (its owner) and may have other *member* firms,
each keeping its own people and HR data. People of any member may be enrolled
and paired with each other; a survey link carries the person's own firm, so the
mixer batches and counts their answers per member, at that member's k
(:mod:`surveys.intake.mixer`), and every aggregate cell holds one member's
people only. A reader then gets (:func:`reading_scope`):

- a lead or researcher: the cells of their own member firms, each at its k;
- a coordinator (an account given programmes, not firms): the programme as a
  whole, member cells pooled (:mod:`surveys.reports.pooled`), never split by member;
- an administrator: the owning firm's cells, as for a single-firm programme.

The owning firm is always a member, with or without a row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from surveys.db.models import Account, Enrolment, Firm, Person, Programme, ProgrammeMember
from surveys.services.accounts import firm_scope
from surveys.services.errors import Conflict, Invalid, NotFound


def member_firm_ids(session: Session, programme: Programme) -> set[int]:
    """The programme's member firms (its owner included)."""
    rows = session.scalars(
        select(ProgrammeMember.firm_id).where(ProgrammeMember.programme_id == programme.id)
    )
    return {programme.firm_id, *rows}


def member_firms(session: Session, programme: Programme) -> list[Firm]:
    """The member firms by name (the owner included)."""
    ids = sorted(member_firm_ids(session, programme))
    return list(session.scalars(select(Firm).where(Firm.id.in_(ids)).order_by(Firm.name)))


def programmes_of_members(session: Session, firm_ids: Iterable[int]) -> set[int]:
    """Programmes of which any of ``firm_ids`` is a member (owners included)."""
    wanted = sorted(set(firm_ids))
    if not wanted:
        return set()
    owned = session.scalars(select(Programme.id).where(Programme.firm_id.in_(wanted)))
    joined = session.scalars(
        select(ProgrammeMember.programme_id).where(ProgrammeMember.firm_id.in_(wanted))
    )
    return {*owned, *joined}


def _programme(session: Session, programme_id: int) -> Programme:
    programme = session.get(Programme, programme_id) if 0 < programme_id <= 2**31 - 1 else None
    if programme is None:
        raise NotFound(f"there is no programme {programme_id}")
    return programme


def add_member(session: Session, programme_id: int, firm_id: int) -> ProgrammeMember:
    """Make ``firm_id`` a member of the programme (its people may then be enrolled)."""
    programme = _programme(session, programme_id)
    if session.get(Firm, firm_id) is None:
        raise NotFound(f"there is no firm {firm_id}")
    found = session.get(ProgrammeMember, (programme.id, firm_id))
    if found is not None:
        return found
    member = ProgrammeMember(programme_id=programme.id, firm_id=firm_id)
    session.add(member)
    session.flush()
    return member


def remove_member(session: Session, programme_id: int, firm_id: int) -> None:
    """Take a member firm out; refused for the owner and while any of its people is enrolled."""
    programme = _programme(session, programme_id)
    if firm_id == programme.firm_id:
        raise Invalid("the programme's own firm is always a member")
    enrolled = session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .join(Person, Person.id == Enrolment.person_id)
        .where(Enrolment.programme_id == programme.id, Person.firm_id == firm_id)
    )
    if enrolled:
        raise Conflict(f"{enrolled} people of this firm are enrolled; remove them first")
    session.execute(
        delete(ProgrammeMember).where(
            ProgrammeMember.programme_id == programme.id, ProgrammeMember.firm_id == firm_id
        )
    )
    session.flush()


def programmes_by_id(session: Session, ids: Iterable[int]) -> list[Programme]:
    """The programmes with these ids; NotFound naming the first unknown one."""
    found = []
    for programme_id in dict.fromkeys(ids):
        found.append(_programme(session, programme_id))
    return found


def assign_programmes(session: Session, account: Account, programmes: list[Programme]) -> None:
    """Give a coordinator the programmes they see as a whole (replaces their list)."""
    if account.role != "coordinator":
        raise Invalid("only a coordinator account is given programmes")
    account.programmes = list(programmes)
    session.flush()


def readable_programme_ids(session: Session, account: Account) -> set[int] | None:
    """The programmes whose results ``account`` may read (None: all, administrators)."""
    if account.role == "coordinator":
        return {p.id for p in account.programmes}
    allowed = firm_scope(account)
    return None if allowed is None else programmes_of_members(session, allowed)


@dataclass(frozen=True)
class ReadingScope:
    """Whose results in one programme a reader may see, and how."""

    programme: Programme
    #: The member firms whose people's cells the reader gets (each at its own k).
    firm_ids: tuple[int, ...]
    #: True for a coordinator: the members' cells pooled, never one member on its own.
    pooled: bool = False


def reading_scope(session: Session, account: Account, programme_id: int) -> ReadingScope | None:
    """What ``account`` may read of the programme; None if nothing (a 404 for the caller)."""
    if not 0 < programme_id <= 2**31 - 1:
        return None
    programme = session.get(Programme, programme_id)
    if programme is None:
        return None
    if account.role == "coordinator":
        if programme.id not in {p.id for p in account.programmes}:
            return None
        members = tuple(sorted(member_firm_ids(session, programme)))
        return ReadingScope(programme, members, pooled=True)
    allowed = firm_scope(account)
    if allowed is None:
        return ReadingScope(programme, (programme.firm_id,))
    mine = tuple(sorted(allowed & member_firm_ids(session, programme)))
    return ReadingScope(programme, mine) if mine else None
