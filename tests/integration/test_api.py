"""The JSON API: Bearer tokens, firm scoping, idempotent meetings, imports, released aggregates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import AggregateCell, Meeting, Person
from surveys.db.session import Database
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token, revoke_api_token
from tests.integration.test_people_import import GOOD
from tests.support import factories as f
from tests.support.people import one_per_person

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


@pytest.fixture
def world(sqlite_db: Database) -> dict[str, Any]:
    """Two firms, each with a pairing; a lead of the first, an admin and a researcher."""
    with sqlite_db.transaction() as session:
        own = f.pairing(session)
        other = f.pairing(session)
        firm = own.programme.firm
        tokens = {}
        for email, role, firms in (
            ("lead@example.com", "lead", [firm]),
            ("admin@example.com", "admin", []),
            ("research@example.com", "researcher", [firm]),
        ):
            account = create_account(session, email, "correct horse battery", role, firms)
            tokens[role] = create_api_token(session, account.id, "tests").secret
        return {
            "tokens": tokens,
            "pairing": own.id,
            "foreign_pairing": other.id,
            "programme": own.programme_id,
            "foreign_programme": other.programme_id,
            "firm": firm.slug,
            "firm_id": firm.id,
            "foreign_firm": other.programme.firm.slug,
        }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_of(response: Any) -> dict[str, Any]:
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    error: dict[str, Any] = body["error"]
    return error


def count(db: Database, model: Any) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_calls_without_a_valid_token_get_401(client: FlaskClient, world: dict[str, Any]) -> None:
    for headers in ({}, bearer("fls_not-a-token"), {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/programmes", headers=headers)
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthorised"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    token = world["tokens"]["lead"]
    assert client.get("/api/v1/programmes", headers=bearer(token)).status_code == 200
    with sqlite_db.transaction() as session:
        from surveys.db.models import ApiToken
        from surveys.services.api_tokens import hash_api_token

        token_id = session.scalar(
            select(ApiToken.id).where(ApiToken.token_hash == hash_api_token(token))
        )
        assert token_id is not None
        revoke_api_token(session, token_id)
    assert client.get("/api/v1/programmes", headers=bearer(token)).status_code == 401


def test_tokens_are_stored_only_as_their_sha256(sqlite_db: Database, world: dict[str, Any]) -> None:
    from surveys.db.models import ApiToken

    with sqlite_db.sessions() as session:
        hashes = session.scalars(select(ApiToken.token_hash)).all()
    assert all(len(h) == 64 for h in hashes)
    assert not set(world["tokens"].values()) & set(hashes)


def test_a_lead_lists_only_their_firms_programmes(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    lead = client.get("/api/v1/programmes", headers=bearer(world["tokens"]["lead"])).get_json()
    assert [p["id"] for p in lead["programmes"]] == [world["programme"]]
    admin = client.get("/api/v1/programmes", headers=bearer(world["tokens"]["admin"])).get_json()
    assert {p["id"] for p in admin["programmes"]} == {
        world["programme"],
        world["foreign_programme"],
    }


def test_a_meeting_sent_twice_with_one_key_is_recorded_once(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    headers = {**bearer(world["tokens"]["lead"]), "Idempotency-Key": "cal-123"}
    body = {"pairing_id": world["pairing"], "held_on": YESTERDAY}
    first = client.post("/api/v1/meetings", json=body, headers=headers)
    again = client.post("/api/v1/meetings", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["meeting"] == again.get_json()["meeting"]
    assert again.get_json()["replayed"] is True
    assert count(sqlite_db, Meeting) == 1
    clash = client.post("/api/v1/meetings", json={**body, "held_on": "2026-01-05"}, headers=headers)
    assert clash.status_code == 409 and count(sqlite_db, Meeting) == 1


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"pairing_id": "1", "held_on": YESTERDAY}, 422, "pairing_id must be"),
        ({"pairing_id": 1, "held_on": "next week"}, 422, "held_on must be a date"),
        ({"pairing_id": 1, "held_on": "2099-01-01"}, 422, "before it has happened"),
        ([1, 2], 422, "must be a JSON object"),
    ],
)
def test_bad_meetings_are_refused_with_a_message(
    client: FlaskClient,
    sqlite_db: Database,
    world: dict[str, Any],
    body: Any,
    status: int,
    message: str,
) -> None:
    if isinstance(body, dict) and body.get("pairing_id") == 1:
        body = {**body, "pairing_id": world["pairing"]}
    response = client.post("/api/v1/meetings", json=body, headers=bearer(world["tokens"]["lead"]))
    assert response.status_code == status
    assert message in error_of(response)["message"]
    assert count(sqlite_db, Meeting) == 0


def test_malformed_json_and_other_media_types_are_4xx(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    headers = bearer(world["tokens"]["lead"])
    broken = client.post(
        "/api/v1/meetings", data="{", content_type="application/json", headers=headers
    )
    assert broken.status_code == 400 and error_of(broken)["code"] == "bad_request"
    form = client.post("/api/v1/meetings", data={"pairing_id": "1"}, headers=headers)
    assert form.status_code == 415


def test_a_lead_cannot_touch_another_firms_pairing_and_researchers_cannot_record(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    body = {"pairing_id": world["foreign_pairing"], "held_on": YESTERDAY}
    foreign = client.post("/api/v1/meetings", json=body, headers=bearer(world["tokens"]["lead"]))
    assert foreign.status_code == 404
    own = {"pairing_id": world["pairing"], "held_on": YESTERDAY}
    research = client.post(
        "/api/v1/meetings", json=own, headers=bearer(world["tokens"]["researcher"])
    )
    assert research.status_code == 403 and error_of(research)["code"] == "forbidden"
    assert count(sqlite_db, Meeting) == 0


def test_people_import_as_csv_or_json_and_a_rejected_file_writes_nothing(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    url = f"/api/v1/firms/{world['firm']}/people"
    headers = bearer(world["tokens"]["lead"])
    before = count(sqlite_db, Person)
    bad = client.post(
        url, data=GOOD.replace("Counsel", "Chief"), content_type="text/csv", headers=headers
    )
    assert bad.status_code == 422
    assert error_of(bad)["details"]["problems"] == [
        {
            "row": 2,
            "column": "level",
            "message": "unknown level 'Chief' "
            "(trainee, associate, senior associate, counsel, partner, board)",
        }
    ]
    assert count(sqlite_db, Person) == before
    good = client.post(url, data=GOOD, content_type="text/csv", headers=headers)
    assert good.status_code == 200 and good.get_json()["created"] == 3
    as_json = client.post(
        url,
        json=[
            {
                "internal_id": "J1",
                "email": "j1@example.com",
                "level": "associate",
                "practice_area": "Tax",
                "office": "Leeds",
                "start_date": "2022-02-01",
                "promotion_dates": ["2024-02-01"],
            }
        ],
        headers=headers,
    )
    assert as_json.status_code == 200, as_json.get_json()
    assert count(sqlite_db, Person) == before + 4
    foreign = client.post(
        f"/api/v1/firms/{world['foreign_firm']}/people",
        data=GOOD,
        content_type="text/csv",
        headers=headers,
    )
    assert foreign.status_code == 404


def test_aggregates_return_released_cells_at_or_above_k_only(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    def cell(question: str, n: int, released: int) -> AggregateCell:
        return AggregateCell(
            survey_key="mentor_pulse",
            survey_version=1,
            question_key=question,
            item="",
            firm_id=world["firm_id"],
            programme_id=world["programme"],
            role="mentor",
            level_band="junior",
            tenure_band="2-5y",
            gender_group="woman",
            period_kind="month",
            period="2026-02",
            n=n,
            total=4 * n,
            total_sq=16 * n,
            histogram={"4": n},
            released_n=released,
            released_total=3 * released,
            released_total_sq=10 * released,
            # half 4s, half 2s: a cell where all gave one answer would be left out too
            released_histogram={"4": released // 2, "2": released // 2} if released else {},
            **one_per_person({"4": released // 2, "2": released // 2} if released else {}),
        )

    with sqlite_db.transaction() as session:
        session.add_all([cell("spoke_openly", 12, 10), cell("mentee_engaged", 9, 4)])
    url = f"/api/v1/aggregates?programme_id={world['programme']}"
    body = client.get(url, headers=bearer(world["tokens"]["researcher"])).get_json()
    assert [(c["question_key"], c["n"], c["histogram"]) for c in body["cells"]] == [
        ("spoke_openly", 10, {"4": 5, "2": 5})
    ]
    foreign = client.get(
        f"/api/v1/aggregates?programme_id={world['foreign_programme']}",
        headers=bearer(world["tokens"]["lead"]),
    )
    assert foreign.status_code == 404
    missing = client.get("/api/v1/aggregates", headers=bearer(world["tokens"]["lead"]))
    assert missing.status_code == 422


def test_aggregates_list_months_and_never_a_week_that_could_be_subtracted_from_them(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    """February minus its released weeks would isolate two answers: readers get months
    (as the pages show them), never the weeks inside them (issue 22)."""

    def cell(kind: str, period: str, released: int) -> AggregateCell:
        return AggregateCell(
            survey_key="mentor_pulse",
            survey_version=1,
            question_key="spoke_openly",
            item="",
            firm_id=world["firm_id"],
            programme_id=world["programme"],
            role="mentor",
            level_band="junior",
            tenure_band="2-5y",
            gender_group="woman",
            period_kind=kind,
            period=period,
            n=released,
            total=4 * released,
            total_sq=16 * released,
            histogram={"4": released},
            released_n=released,
            released_total=3 * released,
            released_total_sq=10 * released,
            released_histogram={"4": released // 2, "2": released // 2},
            **one_per_person({"4": released // 2, "2": released // 2}),
        )

    with sqlite_db.transaction() as session:
        session.add_all(
            [
                cell("month", "2026-02", 22),
                cell("week", "2026-W06", 10),
                cell("week", "2026-W07", 10),
            ]
        )
    url = f"/api/v1/aggregates?programme_id={world['programme']}&question_key=spoke_openly"
    for who in ("lead", "researcher", "admin"):
        body = client.get(url, headers=bearer(world["tokens"][who])).get_json()
        assert [(c["period"], c["n"]) for c in body["cells"]] == [("2026-02", 22)], who


def test_leads_cannot_request_research_exports(client: FlaskClient, world: dict[str, Any]) -> None:
    response = client.post("/api/v1/exports", json={}, headers=bearer(world["tokens"]["lead"]))
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_csrf_does_not_apply_to_token_calls_but_still_to_forms(
    app: Flask, world: dict[str, Any]
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post(
        "/api/v1/meetings",
        json={"pairing_id": world["pairing"], "held_on": YESTERDAY},
        headers=bearer(world["tokens"]["lead"]),
    )
    assert response.status_code == 201
    assert client.post("/auth/login", data={"email": "x"}).status_code == 400


def test_unknown_api_paths_and_methods_answer_in_the_error_shape(client: FlaskClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    wrong = client.delete("/api/v1/programmes")
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"
