"""The demo: three synthetic firms with a year of reverse mentoring, and the demo logins.

Plus one cross-organisation programme (surveys/services/demo_shared.py) with its
coordinator's login.

Everything is invented (e-mails use ``example.com`` subdomains). The data is
made by :mod:`surveys.simulation` with a seed, through the real services, and
plants known effects (see surveys/simulation/effects.py). Loading is
idempotent: a firm that exists already is left alone; the demo accounts'
passwords are renewed on every load so the run command can print working logins.
Submissions are sealed through the real submission path on their day and mixed
as the clock's schedule does it (:class:`surveys.simulation.schedule.Clock`:
rounds closed past their last day, one mixer pass a day), which stores them in
batches of at least k people and counts them, and their people, into the
aggregates; what cannot reach k yet stays sealed. So the demo shows what a
firm on the daily schedule sees, not one pass that mixes the whole year.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from surveys.db.models import Account, Firm, OutboxEvent
from surveys.intake.keys import PRIVATE_KEY, PSEUDONYM_SECRET, PUBLIC_KEY, Keys, decode, generate
from surveys.services.accounts import create_account, hash_password
from surveys.services.demo_shared import IN_HOUSE, load_shared_programme
from surveys.services.members import assign_programmes
from surveys.simulation.programme import FirmPlan, simulate_firm
from surveys.simulation.schedule import Clock

DEMO_ADMIN = "admin@example.com"
DEMO_FIRMS = (
    FirmPlan("Harcourt & Vale LLP", "harcourt-vale", "HV", "Reverse Mentoring Pilot"),
    FirmPlan(
        "Ashdown Reeve LLP",
        "ashdown-reeve",
        "AR",
        "Partner Reverse Mentoring",
        min_group_size=7,
        longitudinal=True,
    ),
    FirmPlan("Marlowe Quinn", "marlowe-quinn", "MQ", "Flipside Programme"),
)
#: One D&I lead per demo firm, in DEMO_FIRMS order.
DEMO_LEADS = ("lead@example.com", "lead2@example.com", "lead3@example.com")
#: A researcher scoped to every demo firm (research exports, the comparison builder).
DEMO_RESEARCHER = "researcher@example.com"
#: The cross-organisation programme's coordinator, and the in-house legal team's lead.
DEMO_COORDINATOR = "coordinator@example.com"
DEMO_IN_HOUSE_LEAD = "lead4@example.com"
#: Topics of outbox rows the demo writes for a past that never happened: no mail for them
#: and no rounds closed again (the demo mixes its year itself, pass by pass; healthz shows
#: no year-old outbox rows).
_HISTORICAL_TOPICS = ("meeting.recorded", "invitation.issued", "survey.closed")


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str
    firm: str | None = None


def load_demo(
    session: Session,
    secret_key: str,
    seed: int = 7,
    today: date | None = None,
    people_per_firm: int = 600,
    *,
    keys: Keys | None = None,
    default_k: int = 5,
) -> list[DemoLogin]:
    """Create the demo firms that do not exist yet; (re)issue the demo logins every time.

    Answers go through the real sealed path (surveys.services.responses) and are
    then mixed (surveys.intake.mixing) as of ``today``, so the dashboards show
    what a year of real use would. ``keys`` are the configured keys (`flipside
    demo` passes them); without them a throwaway key pair and secret are used.
    """
    today = today or date.today()
    keys = keys or _throwaway_keys()
    last_event = session.scalar(select(func.max(OutboxEvent.id))) or 0
    clock = Clock(session, keys, default_k, random.Random(seed))
    firms = []
    for plan in DEMO_FIRMS:
        firm = session.scalar(select(Firm).where(Firm.slug == plan.slug))
        if firm is None:
            rng = random.Random(f"{seed}:{plan.slug}")  # each firm reproducible on its own
            firm = simulate_firm(
                session, plan, rng, today, secret_key, keys, people_per_firm, clock=clock
            )
        firms.append(firm)
    shared_rng = random.Random(f"{seed}:shared")
    shared = load_shared_programme(
        session, firms[0], firms[1], shared_rng, today, secret_key, keys, clock=clock
    )
    clock.run(today)
    session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.id > last_event, OutboxEvent.topic.in_(_HISTORICAL_TOPICS)
        )
    )
    logins = [_login(session, DEMO_ADMIN, "admin", [])]
    logins += [
        _login(session, email, "lead", [firm])
        for email, firm in zip(DEMO_LEADS, firms, strict=True)
    ]
    logins.append(_login(session, DEMO_RESEARCHER, "researcher", firms))
    in_house = session.scalars(select(Firm).where(Firm.slug == IN_HOUSE[1])).one()
    logins.append(_login(session, DEMO_IN_HOUSE_LEAD, "lead", [in_house]))
    coordinator = _login(session, DEMO_COORDINATOR, "coordinator", [])
    account = session.scalars(select(Account).where(Account.email == DEMO_COORDINATOR)).one()
    assign_programmes(session, account, [shared])
    logins.append(replace(coordinator, firm=f"coordinates {shared.name}"))
    session.flush()
    return logins


def _throwaway_keys() -> Keys:
    generated = generate()
    return Keys(
        decode(PUBLIC_KEY, generated[PUBLIC_KEY]),
        decode(PRIVATE_KEY, generated[PRIVATE_KEY]),
        decode(PSEUDONYM_SECRET, generated[PSEUDONYM_SECRET]),
    )


def _login(session: Session, email: str, role: str, firms: list[Firm]) -> DemoLogin:
    password = secrets.token_urlsafe(12)
    account = session.scalar(select(Account).where(Account.email == email))
    if account is None:
        create_account(session, email, password, role, firms)
    else:
        account.password_hash = hash_password(password)
        account.active = True
    return DemoLogin(email, password, role, ", ".join(f.name for f in firms) or None)
