"""One firm's year of reverse mentoring, driven through the real services.

Timeline (``today`` = T): HR histories cover T − 730 days to T; the programme
starts at S = T − 400 with a baseline climate round; pairs meet about every six
weeks for a year and answer a pulse after most meetings; a follow-up round
opens at S + 365. Invitations and responses are made by the same services the
web app uses; the only things adjusted afterwards are the historical send and
expiry times of invitations (the services stamp "now"), and the demo's own
``meeting.recorded`` / ``invitation.issued`` outbox rows are dropped so that no
e-mail goes out for a year that never happened. ``response.submitted`` rows
stay, so the aggregation worker picks the responses up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from surveys.db.models import (
    Enrolment,
    Firm,
    Pairing,
    Person,
    Programme,
    Promotion,
    SurveyInvitation,
)
from surveys.intake.keys import Keys
from surveys.services.invitations import issue_pulse_invitations, launch_round
from surveys.services.meetings import record_meeting
from surveys.services.responses import read_context, submit_response
from surveys.services.tokens import survey_token
from surveys.simulation import answers
from surveys.simulation.people import JUNIOR, SENIOR, SimPerson, after_split, workforce
from surveys.simulation.schedule import Clock

HISTORY_DAYS = 730
PROGRAMME_STARTED_DAYS_AGO = 400
PULSE_RESPONSE_RATE = 0.75
ROUND_RESPONSE_RATE = {"participant": 0.8, "comparison": 0.6}
ROUND_OPEN_DAYS = 21


@dataclass(frozen=True)
class FirmPlan:
    name: str
    slug: str
    prefix: str
    programme: str
    min_group_size: int | None = None
    longitudinal: bool = False


@dataclass
class _Run:
    session: Session
    rng: random.Random
    secret_key: str
    keys: Keys
    today: date
    starts_on: date
    people: dict[int, SimPerson]
    participants: set[int]
    #: invitation id -> (sent at, expires at), the historical times set at the end
    times: dict[int, tuple[datetime, datetime]]
    #: answers to submit: (day, random tie-break, token salt, answers)
    pending: list[tuple[date, float, str, answers.Raw]]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def simulate_firm(
    session: Session,
    plan: FirmPlan,
    rng: random.Random,
    today: date,
    secret_key: str,
    keys: Keys,
    size: int = 600,
    clock: Clock | None = None,
) -> Firm:
    """Create the firm, its people and a year of its programme (caller commits).

    With ``clock``, the answers are queued on it (submitted, and mixed day by
    day, when the caller runs it); without, they are submitted now, unmixed."""
    starts_on = today - timedelta(days=PROGRAMME_STARTED_DAYS_AGO)
    firm = Firm(
        name=plan.name,
        slug=plan.slug,
        min_group_size=plan.min_group_size,
        benchmarking_opt_in=True,
        # The firm's own sender and Reply-To, as a real deployment has them (issue 26).
        mail_from=f"pulse@{plan.slug}.example.com",
        reply_to=f"inclusion@{plan.slug}.example.com",
    )
    session.add(firm)
    session.flush()
    sim = workforce(
        rng,
        plan.prefix,
        f"{plan.slug}.example.com",
        size,
        today - timedelta(days=HISTORY_DAYS),
        starts_on,
    )
    present = [p for p in sim if p.employed_on(starts_on)]
    juniors = [p for p in present if p.level_on(starts_on) in JUNIOR]
    seniors = [p for p in present if p.level_on(starts_on) in SENIOR]
    pairs = min(rng.randint(20, 40), len(juniors), len(seniors))
    mentors, mentees = rng.sample(juniors, pairs), rng.sample(seniors, pairs)
    after_split(rng, sim, {p.internal_id for p in mentors + mentees}, starts_on, today)
    rows = _people(session, firm, sim)
    programme = Programme(
        firm_id=firm.id,
        name=plan.programme,
        starts_on=starts_on,
        status="active",
        longitudinal=plan.longitudinal,
    )
    session.add(programme)
    session.flush()
    run = _Run(
        session,
        rng,
        secret_key,
        keys,
        today,
        starts_on,
        people={rows[p.internal_id].id: p for p in sim},
        participants={rows[p.internal_id].id for p in mentors + mentees},
        times={},
        pending=[],
    )
    roles = {p.internal_id: "mentor" for p in mentors} | {p.internal_id: "mentee" for p in mentees}
    session.execute(
        insert(Enrolment),
        [
            {
                "programme_id": programme.id,
                "person_id": rows[p.internal_id].id,
                "role": roles.get(p.internal_id, "comparison"),
                "enrolled_on": starts_on,
            }
            for p in present
        ],
    )
    pairings = []
    for mentor, mentee in zip(mentors, mentees, strict=True):
        leaving = [d for d in (mentor.left_on, mentee.left_on) if d is not None]
        pairing = Pairing(
            programme_id=programme.id,
            mentor_id=rows[mentor.internal_id].id,
            mentee_id=rows[mentee.internal_id].id,
            started_on=starts_on,
            ended_on=min(leaving) if leaving else None,
        )
        session.add(pairing)
        pairings.append(pairing)
    session.flush()
    _round(run, programme.id, "baseline", starts_on)
    _meetings(run, pairings)
    _round(run, programme.id, "follow-up", starts_on + timedelta(days=365))
    times = [{"id": i, "sent_at": s, "expires_at": e} for i, (s, e) in run.times.items()]
    if clock is None:
        _submit_all(run)
        _stamp(session, times)
    else:
        for day, _, salt, raw in run.pending:
            clock.answer(day, partial(_submit, run, day, salt, raw))
        clock.after.append(lambda: _stamp(session, times))
    return firm


def _stamp(session: Session, times: list[dict[str, Any]]) -> None:
    """The invitations' historical send and expiry times (the services stamp "now")."""
    if times:
        session.execute(update(SurveyInvitation), times)


def _people(session: Session, firm: Firm, sim: list[SimPerson]) -> dict[str, Person]:
    rows = {
        p.internal_id: Person(
            firm_id=firm.id,
            internal_id=p.internal_id,
            email=p.email,
            level=p.level,
            practice_area=p.practice_area,
            office=p.office,
            started_on=p.started_on,
            left_on=p.left_on,
            leave_reason=p.leave_reason,
            working_pattern=p.working_pattern,
            gender=p.gender,
            ethnicity=p.ethnicity,
        )
        for p in sim
    }
    session.add_all(rows.values())
    session.flush()
    promotions: list[dict[str, Any]] = [
        {"person_id": rows[p.internal_id].id, "promoted_on": on, "to_level": to}
        for p in sim
        for on, to in p.promotions
    ]
    if promotions:
        session.execute(insert(Promotion), promotions)
    return rows


def _answer(run: _Run, invitation: SurveyInvitation, day: date, raw: answers.Raw) -> None:
    run.pending.append((day, run.rng.random(), invitation.token_salt, raw))


def _submit_all(run: _Run) -> None:
    """Submit every answer in the order people answered: by day, in random order within it.

    So the demo's responses are stored in no order that follows the invitations
    (as in real use, where people answer whenever they like).
    """
    for day, _, salt, raw in sorted(run.pending, key=lambda p: (p[0], p[1])):
        _submit(run, day, salt, raw)


def _submit(run: _Run, day: date, salt: str, raw: answers.Raw) -> None:
    token = survey_token(run.secret_key, salt)
    at = _at(day, 12)
    context = read_context(run.session, token, run.keys, now=at)
    submit_response(run.session.connection(), token, raw, context, keys=run.keys, now=at)


def _round(run: _Run, programme_id: int, label: str, opens_on: date) -> None:
    closes_on = opens_on + timedelta(days=ROUND_OPEN_DAYS)
    round_, _ = launch_round(
        run.session, programme_id, label, closes_on, run.secret_key, today=opens_on
    )
    invitations = run.session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.round_id == round_.id)
    ).all()
    for invitation in invitations:
        run.times[invitation.id] = (_at(opens_on), invitation.expires_at)
        person = run.people[invitation.person_id]
        participant = invitation.person_id in run.participants
        rate = ROUND_RESPONSE_RATE["participant" if participant else "comparison"]
        if run.rng.random() >= rate:
            continue
        day = opens_on + timedelta(days=run.rng.randint(0, ROUND_OPEN_DAYS - 1))
        if person.left_on is not None and person.left_on <= day:
            continue
        raw = answers.climate(run.rng, person, participant, follow_up=label != "baseline")
        _answer(run, invitation, day, raw)


def _meetings(run: _Run, pairings: list[Pairing]) -> None:
    year_end = run.starts_on + timedelta(days=365)
    diary: list[tuple[date, Pairing]] = []
    for pairing in pairings:
        last = min(year_end, pairing.ended_on or year_end, run.today)
        held_on = run.starts_on + timedelta(days=run.rng.randint(5, 25))
        while held_on <= last:
            diary.append((held_on, pairing))
            held_on += timedelta(days=run.rng.randint(35, 49))
    diary.sort(key=lambda entry: (entry[0], entry[1].id))
    for held_on, pairing in diary:
        meeting = record_meeting(run.session, pairing.id, held_on, "demo", today=run.today)
        progress = (held_on - run.starts_on).days / 365
        for invitation in issue_pulse_invitations(run.session, meeting.id, run.secret_key, 14):
            run.times[invitation.id] = (_at(held_on, 17), _at(held_on + timedelta(days=14)))
            if run.rng.random() >= PULSE_RESPONSE_RATE:
                continue
            day = min(run.today, held_on + timedelta(days=run.rng.randint(0, 3)))
            if invitation.person_id == pairing.mentor_id:
                raw = answers.mentor_pulse(run.rng, progress)
            else:
                raw = answers.mentee_pulse(run.rng, progress)
            _answer(run, invitation, day, raw)
