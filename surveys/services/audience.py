"""Who a climate round would invite, and which of those groups can never reach k.

Shown before a round is launched (and on the programme page), so an admin does
not invite 3 people to a survey whose results, below k, will never be shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from surveys.db.models import Enrolment, Person
from surveys.domain.vocab import ROLES

_GROUP_NAMES = {"mentor": "mentors", "mentee": "mentees", "comparison": "comparison group"}


@dataclass(frozen=True)
class Audience:
    """How many people a round would invite, by role, against the firm's k."""

    by_role: dict[str, int]
    k: int

    @property
    def total(self) -> int:
        return sum(self.by_role.values())

    def warnings(self) -> list[str]:
        """One sentence per group below k (the whole audience first); empty when all reach k."""
        if self.total < self.k:
            return [
                f"{self.total} {'person' if self.total == 1 else 'people'} would be invited: "
                f"below k={self.k} nothing will ever be shown."
            ]
        return [
            f"Only {n} in the {_GROUP_NAMES[role]}: below k={self.k} their results "
            "will never be shown on their own."
            for role, n in self.by_role.items()
            if 0 < n < self.k
        ]


def round_audience(
    session: Session, programme_id: int, k: int, today: date | None = None
) -> Audience:
    """The people a climate round opened today would invite (enrolled, not left), by role."""
    today = today or date.today()
    counts = dict(
        session.execute(
            select(Enrolment.role, func.count())
            .join(Person, Person.id == Enrolment.person_id)
            .where(Enrolment.programme_id == programme_id)
            .where(or_(Person.left_on.is_(None), Person.left_on > today))
            .group_by(Enrolment.role)
        ).all()
    )
    return Audience({role: counts.get(role, 0) for role in ROLES}, k)
