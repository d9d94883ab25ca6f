"""The people behind each aggregate cell in the database: mixed, verified, rebuilt, migrated."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select, text, update

from surveys import aggregates as agg
from surveys.db import migrate
from surveys.db.models import AggregateCell, Answer, Response
from surveys.db.session import Database
from tests.support import factories as f
from tests.support.sealing import mix
from tests.support.submissions import submit

K = 3
DAY = date(2026, 2, 4)  # ISO week 2026-W06


def _cell(db: Database, question: str, period_kind: str = "month", item: str = "") -> AggregateCell:
    with db.sessions() as session:
        return session.scalars(
            select(AggregateCell).where(
                AggregateCell.question_key == question,
                AggregateCell.item == item,
                AggregateCell.period_kind == period_kind,
            )
        ).one()


def _three_people_six_sessions(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        for person, score, sessions in (("a", 4, 4), ("b", 2, 1), ("c", 2, 1)):
            for _ in range(sessions):
                answers = {"spoke_openly": score, "topics": ["technology"] if person == "a" else []}
                submit(session, programme, answers, person=person, submitted_on=DAY)


def test_a_pass_counts_people_and_verify_checks_what_it_can(db: Database) -> None:
    _three_people_six_sessions(db)
    assert mix(db, k=K, today=DAY).released == 6
    responses = _cell(db, "")
    assert (responses.released_n, responses.released_people) == (6, 3)
    score = _cell(db, "spoke_openly")
    # a's four 4s are one person: two people gave an answer other than 4, one other than 2
    assert score.released_histogram == {"4": 4, "2": 2}
    assert (score.released_people, score.released_people_apart) == (3, {"4": 2, "2": 1})
    topic = _cell(db, "topics", item="technology")
    assert (topic.released_n, topic.released_people, topic.released_people_apart) == (
        4,
        1,
        {"1": 2},
    )
    with db.sessions() as session:
        assert agg.verify(session) == []
    # People cannot be recomputed, but more people than responses is caught.
    with db.transaction() as session:
        session.execute(
            update(AggregateCell).where(AggregateCell.id == score.id).values(released_people=7)
        )
    with db.sessions() as session:
        found = [str(d) for d in agg.verify(session)]
    assert found == [f"people: {agg.cell_key(score)}: 7 people behind 6 released responses"]


def test_the_migration_keeps_climate_rounds_and_hides_pulses_it_cannot_count(
    db: Database,
) -> None:
    migrate.downgrade(db.url, "0015")
    try:
        columns = (
            "survey_key, survey_version, question_key, item, firm_id, programme_id, role, "
            "level_band, tenure_band, gender_group, period_kind, period, n, total, total_sq, "
            "histogram, released_n, released_total, released_total_sq, released_histogram"
        )
        rows = [
            ("climate", "", "", "round", "12", 10, "{}"),
            ("climate", "belonging", "", "round", "12", 9, '{"4": 6, "2": 3}'),
            ("climate", "ethnicity", "white", "round", "12", 7, '{"1": 7}'),
            ("mentor_pulse", "", "", "month", "2026-02", 10, "{}"),
        ]
        with db.engine.begin() as conn:
            for survey, question, item, kind, period, n, histogram in rows:
                conn.execute(
                    text(
                        f"INSERT INTO aggregate_cells ({columns}) VALUES (:s, 1, :q, :i, 1, 1, "
                        "'mentor', 'junior', '2-5y', 'woman', :kind, :period, :n, 0, 0, :h, :n, "
                        "0, 0, :h)"
                    ),
                    {"s": survey, "q": question, "i": item, "kind": kind, "period": period}
                    | {"n": n, "h": histogram},
                )
    finally:
        migrate.upgrade(db.url)
    with db.sessions() as session:
        found = {
            (c.survey_key, c.question_key, c.item): (c.released_people, c.released_people_apart)
            for c in session.scalars(select(AggregateCell))
        }
    # One response per person per round: exact. Pulse sessions: unknown, so hidden.
    assert found == {
        ("climate", "", ""): (10, {}),
        ("climate", "belonging", ""): (9, {"4": 3, "2": 6}),
        ("climate", "ethnicity", "white"): (7, {"1": 3}),
        ("mentor_pulse", "", ""): (0, {}),
    }


def test_rebuild_after_erasing_responses_recounts_cells_and_forgets_their_people(
    db: Database,
) -> None:
    _three_people_six_sessions(db)
    with db.transaction() as session:
        other = f.programme(session)
        for person in ("x", "y", "z"):
            submit(session, other, {"spoke_openly": 5}, person=person, submitted_on=DAY)
    assert mix(db, k=K, today=DAY).released == 9
    untouched = {
        (c.programme_id, c.question_key, c.item, c.period_kind): c.released_people
        for c in _cells(db)
        if c.programme_id == other.id
    }
    # Erase one of a's sessions (which chose "technology") and both "2"s (b and c).
    with db.transaction() as session:
        chose = session.scalars(select(Answer.response_id).where(Answer.item == "technology"))
        twos = session.scalars(select(Answer.response_id).where(Answer.value == 2))
        erased = [next(iter(chose)), *twos]
        session.execute(delete(Answer).where(Answer.response_id.in_(erased)))
        session.execute(delete(Response).where(Response.id.in_(erased)))
    with db.transaction() as session:
        report = agg.rebuild(session, default_k=K)
    assert report.groups_released > 0
    with db.sessions() as session:
        assert agg.verify(session) == []
    (score,) = [
        c
        for c in _cells(db)
        if (c.programme_id, c.question_key, c.period_kind) != (other.id, "spoke_openly", "month")
        and (c.question_key, c.period_kind) == ("spoke_openly", "month")
    ]
    assert (score.n, score.released_n, score.released_histogram) == (3, 3, {"4": 3})
    # Fewer responses may rest on fewer people: every cell of the shrunk groups forgets.
    shrunk = [c for c in _cells(db) if c.programme_id != other.id]
    assert shrunk and {(c.released_people, str(c.released_people_apart)) for c in shrunk} == {
        (0, "{}")
    }
    # Groups that lost nothing keep what the mixer counted.
    assert {
        (c.programme_id, c.question_key, c.item, c.period_kind): c.released_people
        for c in _cells(db)
        if c.programme_id == other.id
    } == untouched


def _cells(db: Database) -> list[AggregateCell]:
    with db.sessions() as session:
        return list(session.scalars(select(AggregateCell)))
