"""Cohort comparisons through the API: released histograms only, each side at least k."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

import tests.integration.test_api as api_tests
from surveys.db.models import AggregateCell
from surveys.db.session import Database
from surveys.stats import welch_t_from_counts
from tests.integration.test_api import bearer, error_of

world = api_tests.world  # the API tests' fixture: two firms, tokens for each role

MENTOR = {"1": 1, "3": 2, "4": 4, "5": 3}
MENTEE = {"2": 3, "3": 3, "4": 2}


def cell(
    world: dict[str, Any],
    role: str,
    released: dict[str, int],
    period: str = "7",
    live_extra: int = 0,
    period_kind: str = "round",
) -> AggregateCell:
    n = sum(released.values())
    total = sum(int(v) * c for v, c in released.items())
    squares = sum(int(v) ** 2 * c for v, c in released.items())
    live = dict(released)
    live["1"] = live.get("1", 0) + live_extra  # answers that arrived after the last release
    return AggregateCell(
        survey_key="climate",
        survey_version=1,
        question_key="intend_to_stay",
        item="",
        firm_id=world["firm_id"],
        programme_id=world["programme"],
        role=role,
        level_band="junior",
        tenure_band="2-5y",
        gender_group="woman",
        period_kind=period_kind,
        period=period,
        n=n + live_extra,
        total=total + live_extra,
        total_sq=squares + live_extra,
        histogram=live,
        released_n=n,
        released_total=total,
        released_total_sq=squares,
        released_histogram=released,
    )


def url(world: dict[str, Any], **params: str | None) -> str:
    query = {
        "survey_key": "climate",
        "question_key": "intend_to_stay",
        "by": "role",
        "a": "mentor",
        "b": "mentee",
        "round_id": "7",
        **params,
    }
    args = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
    return f"/api/v1/programmes/{world['programme']}/comparison?{args}"


def test_a_comparison_uses_the_released_histograms_and_ignores_live_counts(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    with sqlite_db.transaction() as session:
        session.add_all(
            [
                cell(world, "mentor", MENTOR, live_extra=4),
                cell(world, "mentee", MENTEE),
                # the same responses in their week cells must not be counted twice
                cell(world, "mentor", MENTOR, period="2026-W06", period_kind="week"),
            ]
        )
    response = client.get(url(world), headers=bearer(world["tokens"]["lead"]))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    expected = welch_t_from_counts(
        {float(k): v for k, v in MENTOR.items()},
        {float(k): v for k, v in MENTEE.items()},
        labels=("mentor", "mentee"),
    )
    assert body["n"] == {"mentor": 10, "mentee": 8}
    assert abs(body["pvalue"] - expected.pvalue) < 1e-12
    assert "intend to stay" in body["summary"]


def test_a_side_below_the_minimum_group_size_is_refused(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    with sqlite_db.transaction() as session:
        session.add_all([cell(world, "mentor", MENTOR), cell(world, "mentee", {"4": 4})])
    response = client.get(url(world), headers=bearer(world["tokens"]["lead"]))
    assert response.status_code == 422
    assert "mentee" in error_of(response)["message"]


def test_another_firms_programme_is_not_found(client: FlaskClient, world: dict[str, Any]) -> None:
    foreign = url(world).replace(
        f"/programmes/{world['programme']}/", f"/programmes/{world['foreign_programme']}/"
    )
    response = client.get(foreign, headers=bearer(world["tokens"]["lead"]))
    assert response.status_code == 404


def test_nonsense_requests_get_a_clear_422(client: FlaskClient, world: dict[str, Any]) -> None:
    token = bearer(world["tokens"]["lead"])
    for params, fragment in (
        ({"by": "salary"}, "'by' must be one of"),
        ({"a": "mentor", "b": "mentor,mentee"}, "must not share"),
        ({"b": "partner"}, "'b' must list values"),
        ({"test": "anova"}, "'test' must be one of"),
        ({"question_key": "comment"}, "only Likert"),
        ({"question_key": "nothing"}, "no question"),
        ({"alternative": "sideways"}, "alternative"),
        ({"round_id": None}, "give round_id"),
        ({"survey_key": "mentor_pulse", "question_key": "spoke_openly"}, "climate surveys only"),
    ):
        response = client.get(url(world, **params), headers=token)
        assert response.status_code == 422, params
        assert fragment in error_of(response)["message"], params


def test_a_group_below_k_cannot_hide_inside_a_pooled_side(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    with sqlite_db.transaction() as session:
        session.add_all(
            [
                cell(world, "mentor", MENTOR),
                cell(world, "mentee", MENTEE),
                cell(world, "comparison", {"2": 1, "5": 1}),  # two people only
            ]
        )
    token = bearer(world["tokens"]["lead"])
    # "mentor+comparison" minus "mentor" would reveal the two comparison answers
    response = client.get(url(world, a="mentor,comparison"), headers=token)
    assert response.status_code == 422
    assert "comparison has fewer than" in error_of(response)["message"]
    assert client.get(url(world), headers=token).status_code == 200
