"""A lead against pulses: one person's many sessions must not pass for many people.

A batch the mixer stores holds at least k distinct people, but a mentor who
met every four days answers up to two pulses in each weekly batch. If a shown
pulse figure counted sessions, "Career progression: 5" (one mentor's five
sessions in February) or the other mentors' topic beside it (four people, twelve sessions)
would pass a threshold of k = 5 while resting on fewer than five people. The world is
loaded through the real services and the real mixer; the lead reads the API,
the pulse page, its CSV downloads and the report stored for the release. Every
figure shown is scored against who really submitted what (which the test
knows and the lead does not): the people behind it, and the people who gave
another answer than each value shown (the group attribute rule), must reach k.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from surveys.db.models import ReleasedReport
from surveys.db.session import Database
from surveys.domain.periods import month_of_week, week_of
from surveys.reports import codec
from surveys.reports.precompute import precompute
from surveys.reports.pulse import PulseReport
from tests.integration.test_app import login
from tests.privacy.summary import record
from tests.privacy.test_observers import PASSWORD, api_cells, lead_of
from tests.privacy.world import (
    JUNIOR_WOMAN,
    PARTNER_WOMAN,
    Invited,
    World,
    build_world,
    mentee_answers,
    mentor_answers,
    submit_all,
)
from tests.support.sealing import mix

K = 5
MONDAY = date(2026, 2, 2)  # ISO week 2026-W06; answers are sent in weeks W06 to W08
MIX_DAY = date(2026, 2, 23)
#: What the busy pair answers in every session: one topic nobody else chooses.
BUSY = {
    "mentor": {
        "spoke_openly": ["1"],
        "mentee_engaged": ["1"],
        "good_use_of_time": ["1"],
        "topics": ["career_progression"],
        "recommend_programme": ["0"],
        "comment": [""],
    },
    "mentee": {
        "gained_insight": ["1"],
        "will_act": ["1"],
        "open_and_honest": ["1"],
        "topics": ["career_progression"],
        "recommend_programme": ["0"],
        "comment": [""],
    },
}
SURVEY = {"mentor": "mentor_pulse", "mentee": "mentee_pulse"}


def _days(i: int) -> list[date]:
    """Pairing 0 meets every four days, the other four pairings weekly, for three weeks.

    (Meetings of one pairing within three days of each other are one meeting.)"""
    days = (0, 4, 8, 12, 16) if i == 0 else (0, 7, 14)
    return [MONDAY + timedelta(days=d) for d in days]


@dataclass(frozen=True)
class Sent:
    """One submission as the test knows it: whose, which survey and period, what answers."""

    person: int
    survey_key: str
    week: str
    answers: dict[str, list[str]]


def busy_world(
    db: Database, answer: Callable[[Invited, int, bool], dict[str, list[str]]] | None = None
) -> tuple[World, list[Sent]]:
    """The world, and what each session sent. ``answer(invited, n, busy)``: what a
    session answers (default: :data:`BUSY` for the busy pairing, the world's otherwise)."""
    world = build_world(
        db,
        mentors=(JUNIOR_WOMAN,) * K,
        mentees=(PARTNER_WOMAN,) * K,
        meeting_days=_days,
        name="Sessions",
    )
    # Pairing 0's mentor and mentee: the only ones who met on a Friday.
    busy = {i.person_id for i in world.invitations if i.meeting_day == MONDAY + timedelta(4)}
    sent: list[Sent] = []

    def answers(invited: Invited, n: int) -> dict[str, list[str]]:
        if answer is not None:
            given = answer(invited, n, invited.person_id in busy)
        elif invited.person_id in busy:
            given = BUSY[invited.role]
        else:
            given = mentor_answers(n) if invited.role == "mentor" else mentee_answers(n)
        week = week_of(invited.meeting_day + timedelta(days=1))
        sent.append(Sent(invited.person_id, SURVEY[invited.role], week, dict(given)))
        return dict(given)

    submit_all(world, answers=answers)
    return world, sent


def _in_period(sent: Sent, period: str) -> bool:
    return period in (sent.week, month_of_week(sent.week))


def _people_behind(
    sent: list[Sent], survey_key: str, period: str, question: str, item: str = "", value: str = ""
) -> tuple[int, int]:
    """(people behind a figure, people who gave another answer than its value or option).

    ``question`` '' is the survey's responses; ``item`` an option chosen; ``value``
    a scalar answer ('' for any answer to the question)."""
    mine = [s for s in sent if s.survey_key == survey_key and _in_period(s, period)]
    if not question:
        return len({s.person for s in mine}), len({s.person for s in mine})
    if item:
        chose = {s.person for s in mine if item in s.answers.get(question, [])}
        other = {s.person for s in mine if item not in s.answers.get(question, [])}
        return len(chose), len(other)
    answered = [s for s in mine if s.answers.get(question, [""])[0] not in ("", None)]
    if value:
        gave = {s.person for s in answered if s.answers[question][0] == value}
        other = {s.person for s in answered if s.answers[question][0] != value}
        return len(gave), len(other)
    return len({s.person for s in answered}), len({s.person for s in answered})


def _few(found: list[str], what: str, people: int, need: int = K) -> None:
    if people < need:
        found.append(f"{what}: {people} people")


def _check_api(cells: list[dict[str, Any]], sent: list[Sent]) -> list[str]:
    found: list[str] = []
    for c in cells:
        if c["survey_key"] not in SURVEY.values() or not c["n"]:
            continue
        what = (
            f"API {c['survey_key']} {c['question_key'] or 'responses'}[{c['item']}] {c['period']}"
        )
        people, other = _people_behind(
            sent, c["survey_key"], c["period"], c["question_key"], c["item"]
        )
        _few(found, what, people)
        if c["item"]:
            _few(found, what + " (chose other options)", other)
        elif c["question_key"]:
            for value in c["histogram"]:
                _, apart = _people_behind(
                    sent, c["survey_key"], c["period"], c["question_key"], value=value
                )
                _few(found, f"{what} (answered other than {value})", apart)
    return found


def _check_report(report: PulseReport, sent: list[Sent], where: str) -> list[str]:
    found: list[str] = []
    key_of = {"Mentors' pulse": "mentor_pulse", "Mentees' pulse": "mentee_pulse"}
    for trend in report.likert:
        survey = key_of[trend.survey_title]
        for month in trend.months:
            if month.n.shown:
                what = f"{where} {trend.question_key} {month.period}"
                _few(found, what, _people_behind(sent, survey, month.period, trend.question_key)[0])
                for value in ("1", "2", "3", "4", "5"):
                    apart = _people_behind(
                        sent, survey, month.period, trend.question_key, value=value
                    )
                    _few(found, f"{what} (answered other than {value})", apart[1])
    for score in report.scores:
        survey = key_of[score.survey_title]
        for point in score.months:
            if point.mean.shown:
                what = f"{where} {score.question_key} {point.period}"
                _few(found, what, _people_behind(sent, survey, point.period, score.question_key)[0])
                for value in map(str, range(11)):
                    apart = _people_behind(
                        sent, survey, point.period, score.question_key, value=value
                    )
                    _few(found, f"{what} (answered other than {value})", apart[1])
    for shares in report.topics:
        survey = key_of[shares.survey_title]
        months = {month_of_week(s.week) for s in sent if s.survey_key == survey}
        if shares.responses.shown:
            base = max(_people_behind(sent, survey, m, "")[0] for m in months)
            _few(found, f"{where} {survey} topics base", base)
        for topic in shares.topics:
            if topic.count.shown or topic.share.shown:
                chose, other = (
                    max(
                        _people_behind(sent, survey, m, shares.question_key, topic.key)[i]
                        for m in months
                    )
                    for i in (0, 1)
                )
                _few(found, f"{where} {survey} topic {topic.key}", chose)
                _few(found, f"{where} {survey} topic {topic.key} (chose others)", other)
    for comments in report.comments:
        survey = "mentor_pulse" if comments.survey_title.startswith("Mentors") else "mentee_pulse"
        for month in comments.months:
            if month.respondents.shown:
                people = _people_behind(sent, survey, month.period, "")[0]
                _few(found, f"{where} {survey} comments {month.period}", people, need=10)
    return found


def _check_csv(client: Any, world: World, report: PulseReport, sent: list[Sent]) -> list[str]:
    """Each CSV download of the pulse page: a row with a number must rest on k people."""
    found: list[str] = []
    base = f"/dashboard/programmes/{world.programme_id}/pulse/charts"
    for i, shares in enumerate(report.topics, start=1):
        survey = "mentor_pulse" if shares.survey_title.startswith("Mentors") else "mentee_pulse"
        body = client.get(f"{base}/topics-{i}.csv")
        if body.status_code == 404:
            continue  # no chart: nothing shown
        labels = {t.label: t.key for t in shares.topics}
        for label, count, _share in list(csv.reader(io.StringIO(body.get_data(as_text=True))))[1:]:
            if count.replace(",", "").isdigit():
                chose, other = _people_behind(sent, survey, "2026-02", "topics", labels[label])
                _few(found, f"CSV {survey} topic {labels[label]}", min(chose, other))
    for trend in report.likert:
        survey = "mentor_pulse" if trend.survey_title.startswith("Mentors") else "mentee_pulse"
        body = client.get(f"{base}/{trend.question_key}.csv")
        for row in list(csv.reader(io.StringIO(body.get_data(as_text=True))))[1:]:
            if row and row[1].replace(",", "").isdigit():
                people = _people_behind(sent, survey, row[0], trend.question_key)[0]
                _few(found, f"CSV {trend.question_key} {row[0]}", people)
    return found


def test_one_persons_many_sessions_never_make_a_shown_pulse_figure(
    db: Database, web_for: Any
) -> None:
    world, sent = busy_world(db)
    report = mix(db, k=K, today=MIX_DAY)
    assert report.released == len(sent) == 2 * (5 + 4 * 3)
    assert precompute(db, [world.programme_id], default_k=K) == 1  # the worker's release step
    client = web_for(db)
    token = lead_of(db, [world])
    assert login(client, "lead@example.com", PASSWORD).status_code == 302
    found = _check_api(api_cells(client, token, world), sent)
    page = client.get(f"/dashboard/programmes/{world.programme_id}/pulse")
    assert page.status_code == 200
    with db.sessions() as session:
        stored = session.scalars(
            select(ReleasedReport).where(
                ReleasedReport.programme_id == world.programme_id, ReleasedReport.name == "pulse"
            )
        ).all()
    assert stored, "the worker stored the pulse report of the release"
    for row in stored:
        pulse = codec.load(PulseReport, json.loads(row.body))
        found += _check_report(pulse, sent, "report")
        found += _check_csv(client, world, pulse, sent)
    linked = len(sent) if found else 0
    record(f"one person's many sessions ({db.engine.dialect.name})", linked, len(sent))
    assert not found, found
    # The figures that rest on enough people are still shown: people are counted, not guessed.
    assert any(c["n"] for c in api_cells(client, token, world) if c["question_key"] == "")
