"""How a shared programme's pages show people of another member firm.

Each member of a cross-organisation programme keeps its own people and HR data
(:mod:`surveys.services.members`). The staff running the programme see a person
of a firm that is not theirs only as far as running it needs: the HR id (which
the enrol, pair and re-pair forms take), the member firm's name and the role in
the programme, e.g. ``"AR-104, a mentee at Ashdown Reeve"``. Never the name,
e-mail, level, practice area, office, gender, background, manager or team.

Whose people are shown in full: a firm-scoped account's own firms; for an
administrator (who sees every firm) the programme's owning firm, so the
programme's pages read the same for everyone running it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Account, Firm, Person, Programme
from surveys.services.accounts import firm_scope
from surveys.services.members import member_firm_ids
from surveys.services.people.directory import person_label


@dataclass(frozen=True)
class PeopleShown:
    """Which member firms' people a reader sees in full on one programme's pages."""

    #: Firms whose people are shown with name, e-mail and HR attributes.
    full: frozenset[int]
    #: Every member firm's name, for the others' labels.
    firm_names: Mapping[int, str]

    def in_full(self, firm_id: int) -> bool:
        return firm_id in self.full

    def label(self, person: Person, role: str = "participant") -> str:
        """The reader's label for ``person``: in full, or the HR id, role and firm."""
        if self.in_full(person.firm_id):
            return person_label(
                person.internal_id, person.given_name, person.family_name, person.email
            )
        firm = self.firm_names.get(person.firm_id, "a member organisation")
        return f"{person.internal_id}, a {role} at {firm}"


def people_shown(session: Session, account: Account, programme: Programme) -> PeopleShown:
    """How ``account`` sees the people of ``programme``."""
    members = member_firm_ids(session, programme)
    names = {
        firm_id: name
        for firm_id, name in session.execute(
            select(Firm.id, Firm.name).where(Firm.id.in_(sorted(members)))
        )
    }
    scope = firm_scope(account)
    full = {programme.firm_id} if scope is None else members & scope
    return PeopleShown(frozenset(full), names)
