"""The demo plants effects the statistics engine can find, and none where none was planted.

One full demo (three firms of 600 people, a year of meetings, two climate
rounds, two years of HR outcomes) is generated once per test session and shared
with the page tests (``demo_world``); each test
reads it back from the database as the dashboard would and runs the engine.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.db.models import (
    Answer,
    Enrolment,
    Firm,
    OutboxEvent,
    Person,
    Programme,
    Response,
    SurveyInvitation,
    SurveyRound,
)
from surveys.db.session import Database
from surveys.domain.periods import week_start
from surveys.services.demo_shared import PER_MEMBER
from surveys.stats import difference_in_differences, survival_comparison, welch_t
from tests.support.demo_world import DEMO_TODAY, DemoWorld

TODAY = DEMO_TODAY
K = 5


@pytest.fixture
def demo(demo_world: DemoWorld) -> Database:
    """The session's one demo (tests/support/demo_world.py: the same seed, day and
    secret; it only adds a rebuild of the cells, which these tests do not read)."""
    return demo_world.db


def period_start(kind: str, period: str) -> date:
    """The first day of a stored pulse period (responses hold a week or a month, no date)."""
    if kind == "week":
        return week_start(period)
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, 1)


def scores(session: Session, survey: str, question: str, since: date, until: date) -> list[int]:
    """Answers of the periods that start in [since, until)."""
    rows = session.execute(
        select(Answer.value, Response.period_kind, Response.period)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_key == survey, Answer.question_key == question)
    )
    return [int(v) for v, kind, period in rows if since <= period_start(kind, period) < until]


def quarters(session: Session, survey: str, question: str) -> tuple[list[int], list[int]]:
    """Answers from the programmes' first three months and from their last three."""
    start = TODAY - timedelta(days=400)
    first = scores(session, survey, question, start, start + timedelta(days=91))
    last = scores(
        session, survey, question, start + timedelta(days=274), start + timedelta(days=366)
    )
    return first, last


def climate(session: Session, question: str, label: str, participants: bool) -> list[int]:
    roles = ("mentor", "mentee") if participants else ("comparison",)
    return [
        int(v)
        for v in session.scalars(
            select(Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .join(SurveyRound, SurveyRound.id == Response.round_id)
            .where(
                SurveyRound.label == label,
                Answer.question_key == question,
                Response.role.in_(roles),
            )
        )
    ]


def test_the_demo_has_the_promised_shape(demo: Database) -> None:
    with demo.sessions() as session:
        # Three firms, and the in-house legal team of the cross-organisation programme.
        assert session.scalar(select(func.count()).select_from(Firm)) == 4
        per_firm = session.execute(select(Person.firm_id, func.count()).group_by(Person.firm_id))
        assert sorted(n for _, n in per_firm) == [2 * PER_MEMBER, 600, 600, 600]
        for programme_id in session.scalars(select(Programme.id)):
            mentors = session.scalar(
                select(func.count()).where(
                    Enrolment.programme_id == programme_id, Enrolment.role == "mentor"
                )
            )
            assert mentors is not None and 20 <= mentors <= 40
        levels = set(session.scalars(select(Person.level).distinct()))
        assert levels == {"trainee", "associate", "senior associate", "counsel", "partner", "board"}
        assert session.scalar(select(func.count()).where(Person.left_on.is_not(None))) > 100
        # No e-mail for a past that never happened, and no announcement of submissions the
        # demo mixed itself (sealed, then stored in batches: responses are there, below).
        topics = set(session.scalars(select(OutboxEvent.topic).distinct()))
        assert topics == set()
        assert session.scalar(select(func.count()).select_from(Response)) > 2000
        assert session.scalar(
            select(func.count()).where(SurveyInvitation.expires_at > func.current_timestamp())
        ) in (0, None)


def test_mentees_insight_rises_over_the_year(demo: Database) -> None:
    with demo.sessions() as session:
        first, last = quarters(session, "mentee_pulse", "gained_insight")
    result = welch_t(last, first, labels=("last quarter", "first quarter"), min_group_size=K)
    assert result.estimate is not None and result.estimate > 0.4
    assert result.pvalue is not None and result.pvalue < 0.001


def test_participants_intent_to_stay_rises_more_than_the_comparison_groups(
    demo: Database,
) -> None:
    with demo.sessions() as session:
        groups = [
            climate(session, "intend_to_stay", label, participants)
            for participants in (True, False)
            for label in ("baseline", "follow-up")
        ]
    result = difference_in_differences(*groups, min_group_size=K)
    assert result.estimate is not None and result.estimate > 0.3
    assert result.pvalue is not None and result.pvalue < 0.01


def leaving(session: Session) -> dict[str, tuple[list[float], list[int]]]:
    """Days from the programme's start to leaving (or to today, censored), by group."""
    groups: dict[str, tuple[list[float], list[int]]] = {
        "participants": ([], []),
        "comparison": ([], []),
    }
    rows = session.execute(
        select(Enrolment.role, Enrolment.enrolled_on, Person.left_on).join(
            Person, Person.id == Enrolment.person_id
        )
    )
    for role, enrolled_on, left_on in rows:
        times, events = groups["comparison" if role == "comparison" else "participants"]
        end = left_on if left_on is not None and left_on <= TODAY else TODAY
        times.append(float((end - enrolled_on).days))
        events.append(1 if left_on is not None and left_on <= TODAY else 0)
    return groups


def test_participants_leave_at_a_lower_rate(demo: Database) -> None:
    with demo.sessions() as session:
        result = survival_comparison(leaving(session), min_group_size=K)
    assert result.effect_size is not None and result.effect_size.value is not None
    assert result.effect_size.value < 0.7  # hazard ratio, participants vs comparison
    assert result.pvalue is not None and result.pvalue < 0.05


def test_nothing_is_found_where_nothing_was_planted(demo: Database) -> None:
    with demo.sessions() as session:
        first, last = quarters(session, "mentor_pulse", "spoke_openly")
        flat = welch_t(last, first, min_group_size=K)
        belonging = difference_in_differences(
            *[
                climate(session, "belonging", label, participants)
                for participants in (True, False)
                for label in ("baseline", "follow-up")
            ],
            min_group_size=K,
        )
        baseline = welch_t(
            climate(session, "intend_to_stay", "baseline", True),
            climate(session, "intend_to_stay", "baseline", False),
            min_group_size=K,
        )
    for result in (flat, belonging, baseline):
        assert result.pvalue is not None and result.pvalue > 0.05, result.summary
