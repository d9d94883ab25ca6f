"""Worlds for the attack suite, built only through the real services.

A world is a firm, a programme, people imported from an HR file
(:func:`surveys.services.people.import_people`), enrolments and pairings
(:mod:`surveys.services.programmes`), meetings (:func:`record_meeting`) and the
pulse invitations issued for them (:func:`issue_pulse_invitations`). Submitting
goes through the real path: :func:`tests.support.sealing.submit_token` (read
the context, seal, claim) or a whole visit through the Flask test client (GET
the page, POST the form with its hidden fields). Nothing here writes a response:
only the mixer (:func:`tests.support.sealing.mix`) does.

The world also keeps what an attacker would *not* have but the test needs to
score the attack: which submission was whose, in which order (the "proxy log").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from surveys.db.models import SurveyInvitation
from surveys.db.session import Database
from surveys.services.invitations import issue_pulse_invitations
from surveys.services.meetings import record_meeting
from surveys.services.people.importing import import_people
from surveys.services.people.reading import read_csv
from surveys.services.programmes import create_firm, create_pairing, enrol, save_programme
from surveys.services.tokens import survey_token
from tests.support.sealing import submit_token

#: The secret link tokens are made with (the test app's SECRET_KEY, see conftest).
SECRET = "t" * 40
#: Monday of ISO week 2026-W06: the first meeting week of the default world.
FEBRUARY = date(2026, 2, 2)

_HEADER = (
    "internal_id,email,level,practice_area,office,start_date,leave_date,leave_reason,"
    "promotion_dates,working_pattern,gender,ethnicity\n"
)

Answers = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Profile:
    """The HR attributes that decide a person's cohort bands."""

    level: str
    started_on: date
    gender: str


# Bands on any day of 2026: junior 2-5y / mid 5-10y / senior 10y+ (no boundary nearby).
JUNIOR_WOMAN = Profile("associate", date(2022, 6, 1), "woman")
JUNIOR_MAN = Profile("associate", date(2022, 6, 1), "man")
MID_OTHER = Profile("senior associate", date(2018, 6, 1), "non-binary")
PARTNER_WOMAN = Profile("partner", date(2008, 6, 1), "woman")
PARTNER_MAN = Profile("partner", date(2008, 6, 1), "man")
BOARD_UNSTATED = Profile("board", date(2000, 1, 3), "")

#: Mentors and mentees of the default world (paired in order): cohorts of 6, 3 and 2
#: mentors and 5, 4 and 2 mentees, so some cells release at once and others merge.
MENTORS = (JUNIOR_WOMAN,) * 6 + (JUNIOR_MAN,) * 3 + (MID_OTHER,) * 2
MENTEES = (PARTNER_WOMAN,) * 5 + (PARTNER_MAN,) * 4 + (BOARD_UNSTATED,) * 2


def mentor_answers(n: int) -> dict[str, list[str]]:
    return {
        "spoke_openly": [str(1 + n % 5)],
        "mentee_engaged": [str(1 + (n + 2) % 5)],
        "good_use_of_time": ["4"],
        "topics": ["technology"] if n % 2 else ["wellbeing"],
        "recommend_programme": [str(n % 11)],
        "comment": [""],
    }


def mentee_answers(n: int) -> dict[str, list[str]]:
    return {
        "gained_insight": [str(1 + n % 5)],
        "will_act": [str(1 + (n + 1) % 5)],
        "open_and_honest": ["5"],
        "topics": ["technology"],
        "recommend_programme": [str(n % 11)],
        "comment": [""],
    }


@dataclass(frozen=True)
class Invited:
    """One issued invitation, as the test (not the attacker) knows it."""

    invitation_id: int
    person_id: int
    role: str
    token: str
    meeting_day: date


@dataclass
class World:
    db: Database
    firm_id: int
    programme_id: int
    people: dict[int, Profile]
    invitations: list[Invited] = field(default_factory=list)
    #: Submissions in the order they were made: (invitation, marker answer) -- the "log".
    log: list[Invited] = field(default_factory=list)


def build_world(
    db: Database,
    *,
    mentors: Sequence[Profile] = MENTORS,
    mentees: Sequence[Profile] = MENTEES,
    meeting_days: Callable[[int], Sequence[date]] | None = None,
    longitudinal: bool = True,
    min_group_size: int | None = None,
    name: str = "Privacy",
) -> World:
    """A firm and programme with one pairing per (mentor, mentee) and their meetings.

    ``meeting_days(i)`` gives the days pairing ``i`` met (default: one meeting in
    one of four February weeks, and a second one for the first six pairings).
    """
    assert len(mentors) == len(mentees)
    days = meeting_days or _february
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    with db.transaction() as session:
        firm = create_firm(session, f"{name} LLP", slug, min_group_size=min_group_size)
        programme = save_programme(
            session, firm.id, f"{name} programme", date(2026, 1, 5), "active", longitudinal
        )
        profiles = list(mentors) + list(mentees)
        lines = [
            f"{slug}-{i},{slug}.{i}@example.com,{p.level},Corporate,London,"
            f"{p.started_on.isoformat()},,,,full-time,{p.gender},"
            for i, p in enumerate(profiles)
        ]
        import_people(session, firm.id, read_csv(_HEADER + "\n".join(lines) + "\n"))
        from surveys.db.models import Person

        ids = {
            person.internal_id: person.id
            for person in session.scalars(select(Person).where(Person.firm_id == firm.id))
        }
        world = World(db, firm.id, programme.id, {})
        for i in range(len(mentors)):
            mentor = ids[f"{slug}-{i}"]
            mentee = ids[f"{slug}-{len(mentors) + i}"]
            world.people[mentor], world.people[mentee] = mentors[i], mentees[i]
            enrol(session, programme.id, mentor, "mentor", date(2026, 1, 5))
            enrol(session, programme.id, mentee, "mentee", date(2026, 1, 5))
            pairing = create_pairing(session, programme.id, mentor, mentee, date(2026, 1, 5))
            session.flush()
            for day in days(i):
                meeting = record_meeting(session, pairing.id, day, "staff", today=day)
                for invitation in issue_pulse_invitations(session, meeting.id, SECRET, 400):
                    role = "mentor" if invitation.person_id == mentor else "mentee"
                    world.invitations.append(
                        Invited(
                            invitation.id,
                            invitation.person_id,
                            role,
                            str(survey_token(SECRET, invitation.token_salt)),
                            day,
                        )
                    )
        return world


def _february(i: int) -> list[date]:
    days = [FEBRUARY + timedelta(days=7 * (i % 4) + i % 3)]
    if i < 6:
        days.append(FEBRUARY + timedelta(days=7 * ((i + 2) % 4) + 1))
    return days


def answers_for(invited: Invited, n: int) -> dict[str, list[str]]:
    return mentor_answers(n) if invited.role == "mentor" else mentee_answers(n)


def submit_all(
    world: World,
    order: Sequence[Invited] | None = None,
    *,
    answers: Callable[[Invited, int], Answers] = answers_for,
    lag_days: int = 1,
) -> None:
    """Submit every invitation (in ``order``) through submit_token, the day after its meeting."""
    for n, invited in enumerate(order if order is not None else world.invitations):
        when = datetime.combine(invited.meeting_day + timedelta(days=lag_days), time(10), UTC)
        with world.db.transaction() as session:
            submit_token(session, invited.token, answers(invited, n), now=when)
        world.log.append(invited)


_HIDDEN = re.compile(rb'<input[^>]*type="hidden"[^>]*>')
_ATTR = re.compile(rb'(name|value)="([^"]*)"')


def visit_and_submit(client: Any, token: str, answers: Answers) -> None:
    """A whole visit through the Flask test client: GET the page, POST it with its
    hidden fields (CSRF token bound to the link, signed context), follow nothing."""
    page = client.get(f"/s/{token}")
    assert page.status_code == 200, page.status_code
    form: dict[str, Any] = {}
    for tag in _HIDDEN.findall(page.data):
        attrs = dict(_ATTR.findall(tag))
        if b"name" in attrs:
            form[attrs[b"name"].decode()] = attrs.get(b"value", b"").decode()
    form.update({key: list(values) for key, values in answers.items()})
    posted = client.post(f"/s/{token}", data=form)
    assert posted.status_code == 303, (posted.status_code, posted.data[:300])


def responded(db: Database) -> list[SurveyInvitation]:
    with db.sessions() as session:
        return list(
            session.scalars(select(SurveyInvitation).where(SurveyInvitation.responded.is_(True)))
        )
