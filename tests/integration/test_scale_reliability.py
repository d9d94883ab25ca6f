"""Scale scores and reliability read from stored responses equal a recomputation
from the same answers, on SQLite and PostgreSQL, under the release rule."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy import select

from surveys.db.models import Programme, ReliabilityRelease, SurveyRound
from surveys.db.session import Database
from surveys.definitions.scale_library import ScaleLibrary
from surveys.services.scale_reliability import keyed_rows, scale_reliability, scale_scores
from surveys.stats.reliability import ItemMoments, cronbach_alpha, omega_total
from surveys.stats.reliability_release import ReleaseRefused
from tests.support import factories as f

SCALE = ScaleLibrary.load().current("flipside_inclusion_climate")
SURVEY = ("climate", 2)
K = 5


def _answers(seed: int, n: int) -> list[dict[str, int]]:
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=n)
    found = []
    for person in range(n):
        row = {}
        for item in SCALE.items:
            value = int(np.clip(round(3 + factor[person] + rng.normal()), 1, 5))
            row[item.key] = 6 - value if item.reverse else value
        found.append(row)
    return found


def _store(db: Database, answers: list[dict[str, int]], **kw: object) -> int:
    with db.transaction() as session:
        programme = f.programme(session)
        for row in answers:
            f.answered(session, programme, dict(row), survey_key=SURVEY[0], survey_version=2, **kw)
        return programme.firm_id


def test_scores_and_reliability_equal_a_recomputation_from_the_answers(db: Database) -> None:
    answers = _answers(7, 34)
    answers[0].pop("ask_for_help")  # one response with a gap: no total, no voice score
    firm_id = _store(db, answers)
    with db.sessions() as session:
        scores = scale_scores(session, SCALE, firm_id=firm_id, survey=SURVEY)
        rows = keyed_rows(session, SCALE, firm_id=firm_id, survey=SURVEY)
        released = scale_reliability(session, SCALE, firm_id=firm_id, survey=SURVEY, k=K)
    expected = sorted(
        (SCALE.score(dict(a)) for a in answers), key=lambda s: (s["total"] or 0, s["belonging"])
    )
    got = sorted(scores, key=lambda s: (s["total"] or 0, s["belonging"] or 0))
    assert got == expected
    assert sum(s["total"] is None for s in scores) == 1
    complete = [[float(SCALE.keyed(k, a[k])) for k in SCALE.item_keys()] for a in answers[1:]]
    assert sorted(r for r in rows if None not in r) == sorted(complete)
    moments = ItemMoments.from_rows(complete, len(SCALE.items))
    assert released.n == 33
    assert released.alpha == pytest.approx(cronbach_alpha(moments)[0], rel=1e-12)
    assert released.omega == pytest.approx(omega_total(moments), rel=1e-9)
    assert released.alpha > 0.6  # the items were drawn from one factor, reverse keys undone


def test_reliability_of_too_small_a_scope_is_refused(db: Database) -> None:
    firm_id = _store(db, _answers(8, 29))
    with db.sessions() as session, pytest.raises(ReleaseRefused, match="at least 30"):
        scale_reliability(session, SCALE, firm_id=firm_id, survey=SURVEY, k=K)
    with db.sessions() as session:
        assert session.scalars(select(ReliabilityRelease)).all() == []


def test_the_kept_release_refuses_the_pool_one_person_later(db: Database) -> None:
    answers = _answers(9, 36)
    firm_id = _store(db, answers[:30])
    with db.transaction() as session:
        first = scale_reliability(session, SCALE, firm_id=firm_id, survey=SURVEY, k=K)
    with db.transaction() as session:  # the same data: the same figure again
        assert scale_reliability(session, SCALE, firm_id=firm_id, survey=SURVEY, k=K) == first
    with db.transaction() as session:
        programme = session.scalars(select(Programme).where(Programme.firm_id == firm_id)).one()
        f.answered(session, programme, dict(answers[30]), survey_key="climate", survey_version=2)
    with db.transaction() as session, pytest.raises(ReleaseRefused, match="fewer than k"):
        scale_reliability(session, SCALE, firm_id=firm_id, survey=SURVEY, k=K)
    with db.transaction() as session:
        programme = session.scalars(select(Programme).where(Programme.firm_id == firm_id)).one()
        for row in answers[31:35]:
            f.answered(session, programme, dict(row), survey_key="climate", survey_version=2)
    with db.transaction() as session:
        assert scale_reliability(session, SCALE, firm_id=firm_id, survey=SURVEY, k=K).n == 35
    with db.sessions() as session:
        assert sorted(r.n for r in session.scalars(select(ReliabilityRelease))) == [30, 35]


def test_one_round_is_judged_against_all_rounds_together(db: Database) -> None:
    """The whole minus a round is the other rounds: refused when they are under k."""
    answers = _answers(10, 70)
    with db.transaction() as session:
        programme = f.programme(session)
        firm_id = programme.firm_id
        rounds = []
        for label in ("baseline", "follow-up"):
            row = SurveyRound(
                programme_id=programme.id,
                survey_key="climate",
                survey_version=2,
                label=label,
                opened_on=date(2026, 3, 1),
                closes_on=date(2026, 3, 20),
            )
            session.add(row)
            session.flush()
            rounds.append(row.id)
        for i, row in enumerate(answers[:34]):
            big = i < 31
            f.answered(
                session, programme, dict(row), survey_key="climate", survey_version=2,
                round_id=rounds[0] if big else rounds[1], period_kind="round",
                period=str(rounds[0] if big else rounds[1]),
            )  # fmt: skip
    with db.transaction() as session:
        assert scale_reliability(session, SCALE, firm_id=firm_id, survey=SURVEY, k=K).n == 34
    with db.transaction() as session, pytest.raises(ReleaseRefused, match="all rounds"):
        scale_reliability(session, SCALE, firm_id=firm_id, survey=SURVEY, k=K, round_id=rounds[0])
    with db.sessions() as session:
        assert [r.n for r in session.scalars(select(ReliabilityRelease))] == [34]
