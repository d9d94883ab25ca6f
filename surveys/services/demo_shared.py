"""The demo's cross-organisation programme: two demo firms and an in-house legal team.

Harcourt & Vale runs "Across the Bar" with Ashdown Reeve and Northgate Energy's
in-house legal team as members. Mentors of each are paired with mentees of
another (H&V -> Ashdown, Ashdown -> Northgate, Northgate -> H&V), every pair met
once, and everyone answered their pulse through the real sealed path, dated a
few weeks back so the demo's mixing pass can release it per member at its own k.
A coordinator sees the programme as a whole. Everything is invented.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Enrolment, Firm, Person, Programme
from surveys.intake.keys import Keys
from surveys.services.invitations import issue_pulse_invitations
from surveys.services.meetings import record_meeting
from surveys.services.members import add_member
from surveys.services.programmes import create_pairing, enrol
from surveys.services.responses import read_context, submit_response
from surveys.services.tokens import survey_token
from surveys.simulation.schedule import Clock

SHARED_PROGRAMME = "Across the Bar"
IN_HOUSE = ("Northgate Energy Legal", "northgate-legal")
#: Mentors (and mentees) each member brings: above every member's k (Ashdown's is 7).
PER_MEMBER = 8
_JUNIOR = ("associate", "senior associate")
_SENIOR = ("partner", "board")


def _free(session: Session, firm: Firm, levels: tuple[str, ...], n: int) -> list[Person]:
    """``n`` current people of ``firm`` at ``levels`` who mentor or are mentored nowhere yet."""
    enrolled = select(Enrolment.person_id).where(Enrolment.role.in_(("mentor", "mentee")))
    return list(
        session.scalars(
            select(Person)
            .where(
                Person.firm_id == firm.id,
                Person.level.in_(levels),
                Person.left_on.is_(None),
                Person.id.not_in(enrolled),
            )
            .order_by(Person.internal_id)
            .limit(n)
        )
    )


def _in_house_team(session: Session, started: date) -> Firm:
    name, slug = IN_HOUSE
    firm = Firm(
        name=name,
        slug=slug,
        benchmarking_opt_in=False,
        mail_from=f"pulse@{slug}.example.com",
        reply_to=f"inclusion@{slug}.example.com",
    )
    session.add(firm)
    session.flush()
    for i in range(2 * PER_MEMBER):
        senior = i >= PER_MEMBER
        session.add(
            Person(
                firm_id=firm.id,
                internal_id=f"NG{i + 1:03d}",
                email=f"ng{i + 1:03d}@{slug}.example.com",
                level=_SENIOR[i % 2] if senior else _JUNIOR[i % 2],
                practice_area="Energy" if i % 3 else "Regulatory",
                office="Aberdeen" if i % 2 else "London",
                started_on=started - timedelta(days=400 * (i % 5 + 1)),
            )
        )
    session.flush()
    return firm


def _answers(rng: random.Random, role: str) -> dict[str, list[str]]:
    def likert() -> list[str]:
        return [str(rng.choice((2, 3, 3, 4, 4, 4, 5, 5)))]

    topics = rng.sample(["technology", "wellbeing", "career_progression", "flexible_working"], 2)
    if role == "mentor":
        questions = ("spoke_openly", "mentee_engaged", "good_use_of_time")
    else:
        questions = ("gained_insight", "will_act", "open_and_honest")
    return {
        **{q: likert() for q in questions},
        "topics": topics,
        "recommend_programme": [str(rng.randint(5, 10))],
        "comment": [""],
    }


def load_shared_programme(
    session: Session,
    owner: Firm,
    member: Firm,
    rng: random.Random,
    today: date,
    secret_key: str,
    keys: Keys,
    clock: Clock | None = None,
) -> Programme:
    """Create the shared programme once (the caller mixes and commits); return it.

    With ``clock``, its answers are queued there (submitted on their day)."""
    found = session.scalar(
        select(Programme).where(Programme.firm_id == owner.id, Programme.name == SHARED_PROGRAMME)
    )
    if found is not None:
        return found
    met_on = today - timedelta(days=20)
    programme = Programme(firm_id=owner.id, name=SHARED_PROGRAMME, starts_on=met_on, status="pilot")
    session.add(programme)
    session.flush()
    in_house = _in_house_team(session, met_on)
    for firm in (owner, member, in_house):
        add_member(session, programme.id, firm.id)
    firms = (owner, member, in_house)
    mentors = {f.id: _free(session, f, _JUNIOR, PER_MEMBER) for f in firms}
    mentees = {f.id: _free(session, f, _SENIOR, PER_MEMBER) for f in firms}
    answered_at = datetime.combine(met_on + timedelta(days=1), time(12), UTC)
    for giver, taker in zip(firms, (*firms[1:], firms[0]), strict=True):
        for mentor, mentee in zip(mentors[giver.id], mentees[taker.id], strict=False):
            enrol(session, programme.id, mentor.id, "mentor", met_on)
            enrol(session, programme.id, mentee.id, "mentee", met_on)
            pairing = create_pairing(session, programme.id, mentor.id, mentee.id, met_on)
            meeting = record_meeting(session, pairing.id, met_on, "staff", today=met_on)
            for invitation in issue_pulse_invitations(session, meeting.id, secret_key, 14):
                # A past that happened: sent the day of the meeting, expired since.
                invitation.created_at = invitation.sent_at = datetime.combine(met_on, time(9), UTC)
                invitation.expires_at = invitation.sent_at + timedelta(days=14)
                token = survey_token(secret_key, invitation.token_salt)
                context = read_context(session, token, keys, now=answered_at)
                answers = _answers(rng, context.role)

                def submit(
                    token: str = token, answers: Any = answers, context: Any = context
                ) -> None:
                    submit_response(
                        session.connection(), token, answers, context, keys=keys, now=answered_at
                    )

                if clock is None:
                    submit()
                else:
                    clock.answer(answered_at.date(), submit)
    return programme
