"""A small, fully synthetic demo data set: one firm, a programme, pairings and meetings.

Everything is invented (names come from a fixed list, e-mails use the reserved
``example.com`` domain). Loading is idempotent; the demo accounts' passwords are
renewed on every load so the run command can print a working login.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Account, Enrolment, Firm, Pairing, Person, Programme
from surveys.services.accounts import create_account, hash_password
from surveys.services.meetings import record_meeting

DEMO_FIRM = "Harcourt & Vale LLP"
DEMO_ADMIN = "admin@example.com"
DEMO_LEAD = "lead@example.com"
PRACTICES = ("Corporate", "Disputes", "Finance", "Real Estate", "Employment", "Tax")
OFFICES = ("London", "Manchester", "Bristol")
FIRST = (
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Femi",
    "Grace",
    "Hamid",
    "Isla",
    "Jun",
    "Kofi",
    "Lena",
    "Marek",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
)
LAST = ("Adeyemi", "Brook", "Chen", "Dunmore", "Evans", "Fitzroy", "Gill", "Hart")


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str


def load_demo(session: Session, seed: int = 7, today: date | None = None) -> list[DemoLogin]:
    """Create the demo firm once; (re)issue the demo logins every time."""
    today = today or date.today()
    firm = session.scalar(select(Firm).where(Firm.name == DEMO_FIRM))
    if firm is None:
        firm = _build(session, random.Random(seed), today)
    logins = []
    for email, role in ((DEMO_ADMIN, "admin"), (DEMO_LEAD, "lead")):
        password = secrets.token_urlsafe(12)
        account = session.scalar(select(Account).where(Account.email == email))
        if account is None:
            create_account(session, email, password, role, [firm] if role == "lead" else [])
        else:
            account.password_hash = hash_password(password)
            account.failed_logins = 0
            account.locked_until = None
        logins.append(DemoLogin(email, password, role))
    session.flush()
    return logins


def _build(session: Session, rng: random.Random, today: date) -> Firm:
    firm = Firm(name=DEMO_FIRM, slug="harcourt-vale", benchmarking_opt_in=True)
    starts_on = today - timedelta(days=200)
    programme = Programme(
        firm=firm, name="Reverse Mentoring Pilot", starts_on=starts_on, status="active"
    )
    session.add_all([firm, programme])
    session.flush()
    people = []
    levels = ["trainee", "associate", "senior associate"] * 6 + ["partner"] * 8 + ["board"] * 2
    for i, level in enumerate(levels):
        name = f"{FIRST[i % len(FIRST)]}.{LAST[i % len(LAST)]}{i}".lower()
        person = Person(
            firm_id=firm.id,
            internal_id=f"HV{1000 + i}",
            email=f"{name}@example.com",
            level=level,
            practice_area=rng.choice(PRACTICES),
            office=rng.choice(OFFICES),
            started_on=today - timedelta(days=rng.randint(200, 6000)),
            working_pattern=rng.choice(("full-time",) * 4 + ("part-time",)),
            gender=rng.choice(("woman", "man", "prefer not to say", None)),
        )
        people.append(person)
    session.add_all(people)
    session.flush()
    juniors = [p for p in people if p.level in {"trainee", "associate", "senior associate"}]
    seniors = [p for p in people if p.level in {"partner", "board"}]
    pairs = list(zip(juniors[:6], seniors[:6], strict=True))
    for mentor, mentee in pairs:
        session.add(
            Enrolment(
                programme_id=programme.id, person_id=mentor.id, role="mentor", enrolled_on=starts_on
            )
        )
        session.add(
            Enrolment(
                programme_id=programme.id, person_id=mentee.id, role="mentee", enrolled_on=starts_on
            )
        )
    for person in juniors[6:] + seniors[6:]:
        session.add(
            Enrolment(
                programme_id=programme.id,
                person_id=person.id,
                role="comparison",
                enrolled_on=starts_on,
            )
        )
    session.flush()
    for mentor, mentee in pairs:
        pairing = Pairing(
            programme_id=programme.id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            started_on=starts_on,
        )
        session.add(pairing)
        session.flush()
        held_on = starts_on + timedelta(days=rng.randint(7, 20))
        while held_on <= today:
            record_meeting(session, pairing.id, held_on, "demo", today=today)
            held_on += timedelta(days=rng.randint(35, 49))
    return firm
