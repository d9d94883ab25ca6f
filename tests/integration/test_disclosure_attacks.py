"""Attacks on what the API and the overview return, through the real aggregation.

A lead knows the meeting diary. They must not be able to watch one answer
arrive, nor isolate one answer by combining what two listings return.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.testing import FlaskClient

from surveys.db.models import SurveyRound
from surveys.db.session import Database
from tests.integration.test_aggregates import submitted as mixed
from tests.integration.test_api import bearer
from tests.integration.test_api import world as world  # noqa: F401  (the fixture)
from tests.support.sealing import mix

FEB = date(2026, 2, 4)  # ISO week 2026-W06
K = 5


def submitted(
    db: Database, ids: tuple[int, int], count: int, *, submitted_on: date, **kw: Any
) -> int:
    """Seal ``count`` submissions on ``submitted_on``, then a mixer pass (k = 5) that day."""
    return mixed(db, ids, count, k=K, today=submitted_on, submitted_on=submitted_on, **kw)


def listing(client: FlaskClient, world: dict[str, Any], **query: str) -> list[tuple[Any, ...]]:
    url = f"/api/v1/aggregates?programme_id={world['programme']}"
    url += "".join(f"&{k}={v}" for k, v in query.items())
    body = client.get(url, headers=bearer(world["tokens"]["lead"])).get_json()
    return sorted(
        (c["question_key"], c["item"], c["period_kind"], c["period"], c["n"], c["histogram"])
        for c in body["cells"]
    )


def test_a_lead_who_knows_a_meeting_date_cannot_watch_one_answer_arrive(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    ids = (world["firm_id"], world["programme"])
    submitted(sqlite_db, ids, 4, answers={"spoke_openly": 4}, submitted_on=FEB)
    assert listing(client, world) == []  # four responses: nothing at all
    submitted(sqlite_db, ids, 1, answers={"spoke_openly": 4}, submitted_on=FEB)
    # Five answers of 4 are a group whose attribute is known: no distribution yet.
    assert all(question != "spoke_openly" for question, *_ in listing(client, world))
    submitted(sqlite_db, ids, 5, answers={"spoke_openly": 2}, submitted_on=FEB)
    before = listing(client, world)
    assert ("spoke_openly", "", "month", "2026-02", 10, {"4": 5, "2": 5}) in before
    # The lead's known mentor answers 1 the day after their meeting: nothing moves.
    submitted(sqlite_db, ids, 1, answers={"spoke_openly": 1}, submitted_on=FEB)
    assert listing(client, world) == before
    # Nor after three more: only a batch of k moves the numbers, five answers at once.
    submitted(sqlite_db, ids, 3, answers={"spoke_openly": 4}, submitted_on=FEB)
    assert listing(client, world) == before
    submitted(sqlite_db, ids, 1, answers={"spoke_openly": 4}, submitted_on=FEB)
    after = listing(client, world)
    assert ("spoke_openly", "", "month", "2026-02", 15, {"4": 9, "2": 5, "1": 1}) in after


def test_a_lead_combining_a_month_and_its_weeks_cannot_isolate_one_weeks_answers(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    """The lead knows who met in week 7; week 7 alone is never released (three answers)."""
    ids = (world["firm_id"], world["programme"])
    days = ((4, 5, 4), (4, 5, 2), (11, 3, 1), (18, 2, 4), (19, 3, 4), (19, 5, 2))
    for day, count, value in days:
        answers = {"spoke_openly": value}
        submitted(sqlite_db, ids, count, answers=answers, submitted_on=date(2026, 2, day))
    rows = listing(client, world, question_key="spoke_openly")
    weeks = [(period, n, hist) for _, _, kind, period, n, hist in rows if kind == "week"]
    months = [(period, n, hist) for _, _, kind, period, n, hist in rows if kind == "month"]
    # A lead reads months, as the pages do: no week is listed that February could be
    # differenced against (issue 22), and February holds only what was released
    # (week 7's three wait sealed).
    assert weeks == []
    assert months == [("2026-02", 20, {"4": 10, "2": 10})]


def test_an_option_chosen_by_one_person_is_not_listed_although_its_group_was_released(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    ids = (world["firm_id"], world["programme"])
    submitted(sqlite_db, ids, 1, answers={"topics": ["wellbeing"]}, submitted_on=FEB)
    submitted(sqlite_db, ids, 4, answers={"topics": ["workload"]}, submitted_on=FEB)
    submitted(sqlite_db, ids, 5, answers={"topics": ["technology"]}, submitted_on=FEB)
    items = {item for _, item, *_ in listing(client, world, question_key="topics")}
    assert items == {"technology"}


def test_a_climate_round_is_listed_per_round_only_so_its_weeks_cannot_be_subtracted(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    """A round is listed per round, never per week: a week would let its answers be subtracted.

    A round is mixed once, at its close, so its 13 answers are stored together then
    (nothing of it while open), and listed as the one round.
    """
    ids = (world["firm_id"], world["programme"])
    with sqlite_db.transaction() as session:
        round_ = SurveyRound(
            programme_id=world["programme"],
            survey_key="climate",
            survey_version=1,
            label="baseline",
            opened_on=date(2026, 2, 1),
            closes_on=date(2026, 2, 28),
        )
        session.add(round_)
        session.flush()
        round_id = round_.id
    climate = {"survey_key": "climate", "round_id": round_id}
    for day, count, value in ((4, 5, 4), (4, 5, 1), (11, 3, 1)):
        answers = {"belonging": value}
        submitted(
            sqlite_db, ids, count, answers=answers, submitted_on=date(2026, 2, day), **climate
        )
    assert mix(sqlite_db, k=K, today=date(2026, 2, 12)).released == 0  # still open
    with sqlite_db.transaction() as session:
        session.get_one(SurveyRound, round_id).closed = True
    assert mix(sqlite_db, k=K, today=date(2026, 2, 12)).released == 13
    rows = listing(client, world, survey_key="climate", question_key="belonging")
    listed = [(kind, period, n) for _, _, kind, period, n, _ in rows]
    assert listed == [("round", str(round_id), 13)]
