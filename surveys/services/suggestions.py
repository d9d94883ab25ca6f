"""Pairing suggestions for a programme: its unpaired mentors and mentees, paired on paper.

The score and the solver are in surveys/domain/pairing.py; this reads who is
enrolled and not in an active pairing, and leaves the pairing itself to the
admin (accept, edit or reject each suggestion): nothing here writes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Enrolment, Pairing, Person
from surveys.domain.pairing import (
    DEFAULT_WEIGHTS,
    Candidate,
    Suggestion,
    Weights,
    suggest_pairs,
)
from surveys.services.member_people import PeopleShown
from surveys.services.people.directory import person_label


@dataclass(frozen=True)
class Unpaired:
    """The programme's unpaired mentors and mentees, and how staff see each of them."""

    mentors: list[Candidate]
    mentees: list[Candidate]
    labels: dict[int, str]
    #: People of another member firm: their level, practice area and office are not shown
    #: (the score still weighs them; surveys/services/member_people.py).
    private: set[int] = field(default_factory=set)


def unpaired(session: Session, programme_id: int, shown: PeopleShown | None = None) -> Unpaired:
    """Enrolled mentors and mentees without an active pairing in the programme (2 queries).

    ``shown``: how the reader sees people of other member firms (None: everyone in full)."""
    busy = set()
    for mentor_id, mentee_id in session.execute(
        select(Pairing.mentor_id, Pairing.mentee_id).where(
            Pairing.programme_id == programme_id, Pairing.ended_on.is_(None)
        )
    ):
        busy |= {mentor_id, mentee_id}
    found = Unpaired([], [], {})
    for role, person in session.execute(
        select(Enrolment.role, Person)
        .join(Person, Person.id == Enrolment.person_id)
        .where(Enrolment.programme_id == programme_id, Enrolment.role.in_(("mentor", "mentee")))
        .order_by(Person.family_name, Person.given_name, Person.internal_id)
    ):
        if person.id in busy:
            continue
        candidate = Candidate(
            id=person.id,
            internal_id=person.internal_id,
            level=person.level,
            practice_area=person.practice_area,
            office=person.office,
            gender=person.gender,
            ethnicity=person.ethnicity,
            manager_id=person.manager_id,
            team=person.team,
            firm_id=person.firm_id,
        )
        (found.mentors if role == "mentor" else found.mentees).append(candidate)
        if shown is None:
            found.labels[person.id] = person_label(
                person.internal_id, person.given_name, person.family_name, person.email
            )
        else:
            found.labels[person.id] = shown.label(person, role)
            if not shown.in_full(person.firm_id):
                found.private.add(person.id)
    return found


def programme_suggestions(
    session: Session,
    programme_id: int,
    weights: Weights = DEFAULT_WEIGHTS,
    rejected: Collection[tuple[int, int]] = (),
    shown: PeopleShown | None = None,
) -> tuple[Unpaired, list[Suggestion]]:
    """The unpaired people and the best complete set of pairs among them."""
    people = unpaired(session, programme_id, shown)
    return people, suggest_pairs(people.mentors, people.mentees, weights, rejected)
