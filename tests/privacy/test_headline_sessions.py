"""A lead against the headline: its pulse figures count people, not sessions.

The world of :mod:`tests.privacy.test_sessions`: five pairings, one of which
meets every four days and answers every pulse alike (1 on each statement, 0 on
the 0-10 item), so in February one person gives five sessions of a batch of k
people. The headline's pulse figures (% favourable, the 0-10 mean, the net
score) are judged against who really submitted what: each shown figure must
rest on k people, with k people apart from every answer given (the pulse
page's rule for the month's distribution, whose shares of 4 and 5 the share
favourable adds, so the headline tells nothing the page does not -- issue 22)
and k outside the net score's largest group -- one mentor's five sessions are
one person.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import select

from surveys.db.models import ReleasedReport
from surveys.db.session import Database
from surveys.domain.periods import month_of_week
from surveys.reports import codec
from surveys.reports.headline_values import Figure, Headline
from surveys.reports.precompute import precompute
from tests.integration.test_app import login
from tests.privacy.summary import record
from tests.privacy.test_observers import PASSWORD, lead_of
from tests.privacy.test_sessions import MIX_DAY, MONDAY, SURVEY, K, Sent, busy_world
from tests.privacy.world import Invited, mentee_answers, mentor_answers
from tests.support.sealing import mix

#: Per role: the statement everyone may see, and the one only the busy pairing disagrees with.
SECOND = {
    "mentor": ("spoke_openly", "good_use_of_time"),
    "mentee": ("gained_insight", "will_act"),
}


def _answer(invited: Invited, n: int, busy: bool) -> dict[str, list[str]]:
    """The busy pairing gives 4 then 2 on one statement, 1 then 2 on another; the others 4,
    then 2 (or 5), then 4. So a February cell has k people apart from every answer (the
    pulse page may show it, and so may the headline) while only the busy one is not
    favourable on the second."""
    given = mentor_answers(n) if invited.role == "mentor" else mentee_answers(n)
    day = (invited.meeting_day - MONDAY).days
    first, second = SECOND[invited.role]
    if busy:
        given[first] = ["4" if day % 8 == 0 else "2"]
        given[second] = ["1" if day % 8 == 0 else "2"]
        given["recommend_programme"] = ["0"]
    else:
        given[first] = ["2" if day == 7 else "4"]
        given[second] = ["5" if day == 7 else "4"]
    return given


def _people(sent: list[Sent], survey: str, month: str, question: str) -> dict[str, set[int]]:
    """Answer -> the people who gave it in at least one session of ``month``."""
    gave: dict[str, set[int]] = {}
    for s in sent:
        if s.survey_key == survey and month_of_week(s.week) == month:
            value = s.answers.get(question, [""])[0]
            if value:
                gave.setdefault(value, set()).add(s.person)
    return gave


def _question(figure: Figure) -> str:
    if figure.kind == "favourable":
        return figure.label.lower().replace(" ", "_")
    return "recommend_programme"


def _sides(figure: Figure) -> dict[str, set[str]]:
    if figure.kind == "favourable":  # the page's distribution: every answer 1-5 a side
        return {str(v): {str(v)} for v in range(1, 6)}
    if figure.kind == "net":
        return {
            "promoters": {"9", "10"},
            "passives": {"7", "8"},
            "detractors": {str(v) for v in range(7)},
        }
    return {str(v): {str(v)} for v in range(11)}


def _check(figure: Figure, survey: str, month: str, sent: list[Sent]) -> list[str]:
    """What is wrong with one shown figure, in people (the test knows who answered).

    Every side of a share favourable, and every answer of a mean, needs k people
    who answered otherwise; a net score needs k outside its largest group."""
    question = _question(figure)
    gave = _people(sent, survey, month, question)
    everyone = set().union(*gave.values()) if gave else set()
    what = f"{survey} {figure.label} {month}"
    found = [f"{what}: {len(everyone)} people"] if len(everyone) < K else []
    sides = _sides(figure)
    if figure.kind == "net":
        sessions = Counter(
            side
            for s in sent
            if s.survey_key == survey and month_of_week(s.week) == month
            for side, values in sides.items()
            if s.answers.get(question, [""])[0] in values
        )
        largest = sessions.most_common(1)[0][0]
        sides = {largest: sides[largest]}
    for side, values in sides.items():
        if not any(gave.get(v) for v in values):
            continue
        outside = {p for v, people in gave.items() if v not in values for p in people}
        if len(outside) < K:
            found.append(f"{what}: {len(outside)} people answered other than {side}")
    return found


def _check_headline(headline: Headline, sent: list[Sent]) -> list[str]:
    found: list[str] = []
    for card in headline.cards:
        if not card.id.startswith("pulse-"):
            continue
        survey = SURVEY[card.id.removeprefix("pulse-")]
        for figure in card.figures:
            if figure.value.shown:
                found += _check(figure, survey, figure.period, sent)
            if figure.previous.shown:
                found += _check(figure, survey, figure.previous_period, sent)
    return found


def test_one_persons_many_sessions_never_make_a_headline_pulse_figure(
    db: Database, web_for: Any
) -> None:
    world, sent = busy_world(db, _answer)
    report = mix(db, k=K, today=MIX_DAY)
    assert report.released == len(sent)
    assert precompute(db, [world.programme_id], default_k=K) == 1  # the worker's release step
    client = web_for(db)
    lead_of(db, [world])
    assert login(client, "lead@example.com", PASSWORD).status_code == 302
    page = client.get(f"/dashboard/programmes/{world.programme_id}/headline")
    assert page.status_code == 200
    with db.sessions() as session:
        stored = session.scalars(
            select(ReleasedReport).where(
                ReleasedReport.programme_id == world.programme_id,
                ReleasedReport.name == "headline",
            )
        ).all()
    assert stored, "the worker stored the headline of the release"
    found: list[str] = []
    figures = 0
    for row in stored:
        headline = codec.load(Headline, json.loads(row.body))
        found += _check_headline(headline, sent)
        figures += sum(
            f.value.shown for c in headline.cards if c.id.startswith("pulse-") for f in c.figures
        )
    linked = len(sent) if found else 0
    record(f"headline: one person's many sessions ({db.engine.dialect.name})", linked, len(sent))
    assert not found, found
    # Figures resting on k people on every side are still shown: people are counted.
    assert figures
