"""Attacks on group attributes, through the real sealed inbox and mixer, on the API and page.

A lead knows who is in a cohort. Whatever every member of a shown group
answered (all 5 answered 4; all 5 chose one ethnicity), or proved that nobody
chose, is disclosed about each of them: such a group is hidden exactly like
a small one, and subtracting shown cells from a total never reveals it.
"""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from flask.testing import FlaskClient

from surveys.db.models import SurveyRound
from surveys.db.session import Database
from tests.integration.test_api import bearer
from tests.integration.test_api import world as world  # noqa: F401  (the fixture)
from tests.support.sealing import mix, seal_direct

FEB = date(2026, 2, 4)  # ISO week 2026-W06
_people = count()


def sealed(
    db: Database, world: dict[str, Any], n: int, answers: dict[str, Any], **cohort: Any
) -> None:
    with db.transaction() as session:
        for _ in range(n):
            seal_direct(
                session,
                world["firm_id"],
                world["programme"],
                answers,
                person=f"p{next(_people)}",
                **cohort,
            )


def cells(
    client: FlaskClient, world: dict[str, Any], who: str = "lead", **query: str
) -> list[dict[str, Any]]:
    url = f"/api/v1/aggregates?programme_id={world['programme']}"
    url += "".join(f"&{k}={v}" for k, v in query.items())
    response = client.get(url, headers=bearer(world["tokens"][who]))
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.get_json()["cells"]
    return found


def test_attack_all_five_of_a_cohort_answered_4_is_never_listed(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    sealed(sqlite_db, world, 5, {"spoke_openly": 4}, day=FEB)
    sealed(sqlite_db, world, 6, {"spoke_openly": 2}, day=FEB, level_band="senior")
    sealed(sqlite_db, world, 6, {"spoke_openly": 5}, day=FEB, level_band="senior")
    mix(sqlite_db, today=date(2026, 2, 5))
    # The lead's month of mentors (the pulse page's figure) rests on 17 people of three
    # answers: shown (issue 22), although its juniors all answered 4.
    by_role = cells(client, world, "lead", question_key="spoke_openly")
    assert [(c["period"], c["n"], c["histogram"]) for c in by_role] == [
        ("2026-02", 17, {"4": 5, "2": 6, "5": 6})
    ]
    by_level = cells(client, world, "lead", question_key="spoke_openly", by="level_band")
    listed_by = {"lead": by_level}
    listed_by |= {
        who: cells(client, world, who, question_key="spoke_openly")
        for who in ("researcher", "admin")
    }
    for who, listed in listed_by.items():
        # The junior cohort (all 4s) is left out as a cohort of four would be ...
        assert all(c["level_band"] != "junior" for c in listed)
        # ... and so are the seniors: the month's total minus the seniors would leave
        # the juniors' five 4s (complementary suppression).
        assert listed == [], who


def test_attack_all_five_chose_one_ethnicity_reads_like_a_group_of_four(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
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
    sealed(sqlite_db, world, 5, {"ethnicity": ["white"], "belonging": 4}, **climate)
    mix(sqlite_db, today=date(2026, 3, 2))
    listed = cells(client, world, "researcher", survey_key="climate")
    ethnicity = [c for c in listed if c["question_key"] == "ethnicity"]
    assert ethnicity == []  # "white: 5 of 5" would tell each member's answer
    assert [c for c in listed if c["question_key"] == "belonging"] == []  # all answered 4


def test_attack_two_options_shown_in_full_would_prove_the_others_zero(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    """Five white and five Asian respondents: listing both proves nobody chose another."""
    with sqlite_db.transaction() as session:
        round_ = SurveyRound(
            programme_id=world["programme"],
            survey_key="climate",
            survey_version=1,
            label="baseline",
            opened_on=date(2026, 2, 1),
            closes_on=date(2026, 2, 28),
            closed=True,  # mixed at its close
        )
        session.add(round_)
        session.flush()
        climate = {"survey_key": "climate", "round_id": round_.id}
    sealed(sqlite_db, world, 5, {"ethnicity": ["white"]}, **climate)
    sealed(sqlite_db, world, 5, {"ethnicity": ["asian"]}, **climate)
    mix(sqlite_db, today=date(2026, 3, 2))
    listed = cells(client, world, "researcher", survey_key="climate")
    responses = sum(c["n"] for c in listed if c["question_key"] == "")
    options = {c["item"]: c["n"] for c in listed if c["question_key"] == "ethnicity"}
    assert responses == 10
    assert len(options) <= 1  # the hidden options hold k between them: no zero is proved
    assert responses - sum(options.values()) >= 5


def test_attack_a_lead_cannot_list_cross_classified_cells(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    mixed = {"spoke_openly": 4}
    for level in ("junior", "senior"):
        for gender in ("woman", "man"):
            sealed(sqlite_db, world, 5, mixed, day=FEB, level_band=level, gender_group=gender)
            sealed(
                sqlite_db,
                world,
                5,
                {"spoke_openly": 2},
                day=FEB,
                level_band=level,
                gender_group=gender,
            )
    mix(sqlite_db, today=date(2026, 2, 5))
    fine = cells(client, world, "researcher", question_key="spoke_openly")
    assert {(c["level_band"], c["gender_group"]) for c in fine} == {
        ("junior", "woman"),
        ("junior", "man"),
        ("senior", "woman"),
        ("senior", "man"),
    }
    for by, values in (("role", {"mentor"}), ("level_band", {"junior", "senior"})):
        lead = cells(client, world, by=by, question_key="spoke_openly")
        assert lead and {c[by] for c in lead} == values
        for cell in lead:  # one attribute at a time: every other reads "*"
            others = {"role", "level_band", "tenure_band", "gender_group"} - {by}
            assert {cell[name] for name in others} == {"*"}
    default = cells(client, world, question_key="spoke_openly")
    assert {(c["role"], c["level_band"], c["gender_group"]) for c in default} == {
        ("mentor", "*", "*")
    }
    bad = client.get(
        f"/api/v1/aggregates?programme_id={world['programme']}&by=role,level_band",
        headers=bearer(world["tokens"]["lead"]),
    )
    assert bad.status_code == 422
