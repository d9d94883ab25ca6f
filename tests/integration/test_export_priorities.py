"""Researcher's priorities across requests: one release per scope, fixed by its first request.

Two generalisations of the same rows (one keeping role, one keeping gender) could be
joined row by row to refine each other, so a second, different order for a scope that
has a release is refused with a sentence (409), in the build and at the request; the
same order, or none, gets the scope's one release. The pages, the API and the CLI all
take the order.
"""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import ExportRelease, ExportRequest, SurveyRound
from surveys.db.session import Database
from surveys.export.bundle import Bundle, build_bundle
from surveys.export.priorities import PrioritiesDiffer
from surveys.export.scope import Scope
from tests.integration.test_admin_pages import csrf, sign_in
from tests.integration.test_exports_interfaces import bearer
from tests.integration.test_exports_interfaces import build as build_export
from tests.integration.test_exports_interfaces import world as interfaces_world
from tests.support import factories as f

#: Coarsening role (mentor+mentee) or gender (another+undisclosed) each fixes the small
#: groups; without priorities the plan coarsens role (see tests/unit/.../test_row_priorities).
CELLS = {
    ("mentor", "woman"): 6,
    ("mentor", "another"): 2,
    ("mentor", "undisclosed"): 3,
    ("mentee", "woman"): 6,
    ("mentee", "another"): 3,
    ("mentee", "undisclosed"): 2,
    ("comparison", "woman"): 20,
}

world = interfaces_world  # the API and page fixtures' accounts and tokens


def seed(db: Database) -> dict[str, int]:
    with db.transaction() as session:
        firm = f.firm(session, slug="prio", min_group_size=5)
        programme = f.programme(session, firm)
        # A climate round: its rows count as people (a week's rows would count as whole
        # mixer batches, each k people, and nothing would need generalising).
        round_ = SurveyRound(
            programme_id=programme.id,
            survey_key="climate",
            survey_version=1,
            label="spring",
            opened_on=date(2026, 3, 2),
            closes_on=date(2026, 3, 23),
            closed=True,
        )
        session.add(round_)
        session.flush()
        for (role, gender), n in CELLS.items():
            for _ in range(n):
                f.answered(
                    session,
                    programme,
                    {"belonging": 3},
                    survey_key="climate",
                    role=role,
                    gender_group=gender,
                    round_id=round_.id,
                    submitted_on=date(2026, 3, 2),
                )
        return {"firm": firm.id, "programme": programme.id}


def build(db: Database, tmp_path: Path, ids: dict[str, int], protect: tuple[str, ...]) -> Bundle:
    scope = Scope((ids["firm"],), ("climate",), ids["programme"])
    return build_bundle(
        db,
        1,
        scope,
        include_comments=False,
        default_k=5,
        folder=tmp_path,
        progress=lambda done, total: None,
        protect=protect,
        expected=None,
    )


def content(tmp_path: Path, bundle: Bundle) -> tuple[list[tuple[str, ...]], dict[str, Any]]:
    with zipfile.ZipFile(tmp_path / bundle.file_name) as archive:
        rows = list(csv.DictReader(archive.read("climate.csv").decode().splitlines()))
        report = json.loads(archive.read("disclosure-report.json"))
    return sorted((r["role"], r["gender_group"]) for r in rows), report


def test_keeping_role_coarsens_gender_instead_and_the_report_says_what_it_cost(
    db: Database, tmp_path: Path
) -> None:
    ids = seed(db)
    rows, report = content(tmp_path, build(db, tmp_path, ids, ("role",)))
    assert {role for role, _ in rows} == {"mentor", "mentee", "comparison"}
    assert {gender for _, gender in rows} == {"woman", "another-undisclosed"}
    cost = report["priorities"]["cost_by_column"]
    assert report["priorities"]["protect"] == ["role"]
    assert cost["role"] == {"coarsened": 0, "blanked": 0}
    assert cost["gender_group"] == {"coarsened": 10, "blanked": 0}
    assert report["generalised"]["role"] == "as recorded"


def test_asking_again_gives_the_same_release_and_another_order_is_refused(
    db: Database, tmp_path: Path
) -> None:
    ids = seed(db)
    first = content(tmp_path, build(db, tmp_path, ids, ("role",)))
    again = content(tmp_path, build(db, tmp_path, ids, ("role",)))
    no_preference = content(tmp_path, build(db, tmp_path, ids, ()))
    assert first[0] == again[0] == no_preference[0]
    assert first[1]["release"] == again[1]["release"] == no_preference[1]["release"]
    with pytest.raises(PrioritiesDiffer, match="already has an anonymised release, made with the"):
        build(db, tmp_path, ids, ("gender_group", "role"))
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExportRelease)) == 1


def test_the_first_request_without_priorities_fixes_the_default_plan(
    db: Database, tmp_path: Path
) -> None:
    """The default protects role and month (what every comparison is about): gender is
    coarsened instead, and a later request with another order is refused."""
    ids = seed(db)
    rows, report = content(tmp_path, build(db, tmp_path, ids, ()))
    assert {role for role, _ in rows} == {"mentor", "mentee", "comparison"}
    assert report["priorities"]["protect"] == ["role", "month"]
    with pytest.raises(PrioritiesDiffer, match="role, then month"):
        build(db, tmp_path, ids, ("role",))


def test_the_api_takes_an_order_checks_it_and_refuses_a_second_one_with_409(
    app: Flask, client: FlaskClient, sqlite_db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    body: dict[str, Any] = {"programme_id": world["programme"], "survey_keys": ["mentor_pulse"]}
    bad = client.post(
        "/api/v1/exports", json={**body, "protect": ["shoe_size"]}, headers=bearer(world)
    )
    assert bad.status_code == 422 and "shoe_size" in bad.get_json()["error"]["message"]
    ok = client.post("/api/v1/exports", json={**body, "protect": ["role"]}, headers=bearer(world))
    assert ok.status_code == 202
    assert ok.get_json()["export"]["options"]["protect"] == ["role"]
    build_export(app, sqlite_db, ok.get_json()["export"]["id"])
    same = client.post("/api/v1/exports", json={**body, "protect": ["role"]}, headers=bearer(world))
    assert same.status_code == 202
    other = client.post(
        "/api/v1/exports", json={**body, "protect": ["level_band"]}, headers=bearer(world)
    )
    assert other.status_code == 409
    assert "made with the priorities role" in other.get_json()["error"]["message"]
    with sqlite_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExportRequest)) == 2


def test_the_form_and_the_cli_take_the_order(
    app: Flask, client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    sign_in(client, "r@example.com")
    page = client.get("/exports")
    assert b"Quasi-identifiers to protect first" in page.data
    response = client.post(
        "/exports",
        data={
            "csrf_token": csrf(client, "/exports"),
            "programme": str(world["programme"]),
            "surveys": ["mentor_pulse"],
            "protect_1": "role",
            "protect_2": "gender_group",
        },
    )
    assert response.status_code == 303
    with sqlite_db.sessions() as session:
        export = session.scalars(select(ExportRequest)).one()
        assert export.options["protect"] == ["role", "gender_group"]
    args = ["export", "--email", "r@example.com", "--survey", "mentor_pulse"]
    refused = app.test_cli_runner().invoke(args=[*args, "--protect", "role,role"])
    assert refused.exit_code == 2 and "listed twice" in refused.output


def test_the_form_refuses_another_order_for_a_released_scope_beside_the_order(
    app: Flask, client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    body = {
        "programme_id": world["programme"],
        "survey_keys": ["mentor_pulse"],
        "protect": ["role"],
    }
    first = client.post("/api/v1/exports", json=body, headers=bearer(world))
    build_export(app, sqlite_db, first.get_json()["export"]["id"])
    sign_in(client, "r@example.com")
    response = client.post(
        "/exports",
        data={
            "csrf_token": csrf(client, "/exports"),
            "programme": str(world["programme"]),
            "surveys": ["mentor_pulse"],
            "protect_1": "level_band",
        },
    )
    assert response.status_code == 409
    assert (
        b"made with the priorities role" in response.data
        and b'id="protect_1-error"' in response.data
    )
    with sqlite_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExportRequest)) == 1
