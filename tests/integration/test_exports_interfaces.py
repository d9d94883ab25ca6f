"""Exports through the API and the pages: 202 + status, links bound to one account, 403/404/410."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import ExportAudit, ExportRequest, OutboxEvent
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.reports.exported import dashboard_comparisons
from surveys.services import exports as svc
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from tests.integration.test_admin_pages import PASSWORD, csrf, sign_in
from tests.support import factories as f

PULSE = {"spoke_openly": 4, "mentee_engaged": 5, "good_use_of_time": 3, "recommend_programme": 9}


@pytest.fixture
def world(sqlite_db: Database) -> dict[str, Any]:
    with sqlite_db.transaction() as session:
        programme = f.programme(session)
        other = f.programme(session)
        for i in range(8):
            f.answered(session, programme, PULSE, submitted_on=date(2026, 2, 1 + i))
            f.answered(session, other, PULSE, submitted_on=date(2026, 2, 1 + i))
        tokens, ids = {}, {}
        for email, role, firms in (
            ("r@example.com", "researcher", [programme.firm]),
            ("r2@example.com", "researcher", [programme.firm]),
            ("a@example.com", "admin", []),
            ("l@example.com", "lead", [programme.firm]),
        ):
            account = create_account(session, email, PASSWORD, role, firms)
            tokens[email], ids[email] = (
                create_api_token(session, account.id, "t").secret,
                account.id,
            )
        return {
            "tokens": tokens,
            "programme": programme.id,
            "firm": programme.firm_id,
            "other_firm": other.firm_id,
        }


def bearer(world: dict[str, Any], email: str = "r@example.com") -> dict[str, str]:
    return {"Authorization": f"Bearer {world['tokens'][email]}"}


def build(app: Flask, db: Database, export_id: int) -> None:
    """What the actor does (the actor itself is tested in test_exports_pipeline)."""
    with db.sessions() as session:
        event_id = session.scalars(select(OutboxEvent.id)).first()
    status = svc.run_export(
        db,
        event_id or 0,
        export_id,
        default_k=5,
        store=app.config["FLIPSIDE"].bundles,
        expected=dashboard_comparisons,
    )
    assert status == "done"


def written(db: Database) -> tuple[int, int, int]:
    with db.sessions() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(t)) or 0
            for t in (ExportRequest, ExportAudit, OutboxEvent)
        )


def test_the_api_requests_reports_progress_links_and_downloads_a_bundle(
    app: Flask, client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    response = client.post(
        "/api/v1/exports",
        json={"programme_id": world["programme"], "survey_keys": ["mentor_pulse"]},
        headers=bearer(world),
    )
    assert response.status_code == 202
    export = response.get_json()["export"]
    assert response.headers["Location"] == export["status_url"]
    assert (export["status"], export["rows_total"]) == ("queued", 8)
    status = client.get(export["status_url"], headers=bearer(world)).get_json()["export"]
    assert status["status"] == "queued"
    too_early = client.post(f"/api/v1/exports/{export['id']}/link", headers=bearer(world))
    assert too_early.status_code == 422

    build(app, sqlite_db, export["id"])
    status = client.get(export["status_url"], headers=bearer(world)).get_json()["export"]
    assert status["status"] == "done" and status["rows_done"] == 8 and status["sha256"]
    link = client.post(f"/api/v1/exports/{export['id']}/link", headers=bearer(world))
    assert link.status_code == 201
    url = link.get_json()["download_url"]

    # Another account (even an admin) gets 404 for the link and the status.
    for other in ("r2@example.com", "a@example.com"):
        assert client.get(url, headers=bearer(world, other)).status_code == 404
        assert client.get(export["status_url"], headers=bearer(world, other)).status_code == 404
    got = client.get(url, headers=bearer(world))
    assert got.status_code == 200 and got.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(got.data)).namelist()
    got.close()
    assert "mentor_pulse.sav" in names and "datapackage.json" in names
    with sqlite_db.sessions() as session:
        audit = session.scalars(select(ExportAudit).where(ExportAudit.action == "downloaded")).one()
        assert audit.sha256 == status["sha256"] and audit.account_email == "r@example.com"

    # One step for the requester: the bundle straight from the export, no link to make.
    direct = client.get(f"/api/v1/exports/{export['id']}/bundle", headers=bearer(world))
    assert direct.status_code == 200 and direct.headers["Cache-Control"] == "no-store"
    assert zipfile.ZipFile(io.BytesIO(direct.data)).namelist() == names
    direct.close()
    other_bundle = f"/api/v1/exports/{export['id']}/bundle"
    assert client.get(other_bundle, headers=bearer(world, "r2@example.com")).status_code == 404
    # The link is single-use: the download spent it.
    assert client.get(url, headers=bearer(world)).status_code == 404
    again = client.post(f"/api/v1/exports/{export['id']}/link", headers=bearer(world))
    url = again.get_json()["download_url"]
    with sqlite_db.transaction() as session:
        row = session.get(ExportRequest, export["id"])
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
    expired = client.get(url, headers=bearer(world))
    assert expired.status_code == 410 and expired.get_json()["error"]["code"] == "gone"


def test_the_api_refuses_a_foreign_scope_with_403_and_an_empty_one_with_a_message(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    foreign = client.post(
        "/api/v1/exports", json={"firm_ids": [world["other_firm"]]}, headers=bearer(world)
    )
    assert foreign.status_code == 403 and foreign.get_json()["error"]["code"] == "forbidden"
    empty = client.post("/api/v1/exports", json={"date_from": "2031-01-01"}, headers=bearer(world))
    assert empty.status_code == 422
    assert "No responses match" in empty.get_json()["error"]["message"]
    lead = client.post("/api/v1/exports", json={}, headers=bearer(world, "l@example.com"))
    assert lead.status_code == 403
    assert written(sqlite_db) == (0, 0, 0)


def test_the_pages_request_show_progress_and_hand_out_a_link_once(
    app: Flask, client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    sign_in(client, "r@example.com")
    page = client.get("/exports")
    assert page.status_code == 200
    assert b"<legend>Firms</legend>" in page.data and b"<legend>Surveys</legend>" in page.data
    response = client.post(
        "/exports",
        data={
            "csrf_token": csrf(client, "/exports"),
            "programme": str(world["programme"]),
            "surveys": ["mentor_pulse"],
        },
    )
    assert response.status_code == 303
    status_url = response.headers["Location"]
    export_id = int(status_url.rsplit("/", 1)[1])
    queued = client.get(status_url)
    assert b"0 of 8 rows processed" in queued.data and queued.headers["Refresh"] == "3"

    build(app, sqlite_db, export_id)
    done = client.get(status_url)
    assert b"8 of 8 rows processed" in done.data and "Refresh" not in done.headers
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', done.data)
    assert token
    shown = client.post(f"/exports/{export_id}/link", data={"csrf_token": token.group(1).decode()})
    assert shown.headers["Cache-Control"] == "no-store"
    link = re.search(rb'href="(http://[^"]+/exports/download/[^"]+)"', shown.data)
    assert link
    path = link.group(1).decode().split("localhost", 1)[1]
    downloaded = client.get(path)
    assert downloaded.status_code == 200
    downloaded.close()
    assert path.encode() not in client.get(status_url).data  # shown once

    assert client.get(path).status_code == 404  # the link was single-use
    one_step = re.search(rb'href="(/exports/\d+/bundle)"', done.data)
    assert one_step  # the status page offers the requester the bundle itself
    direct = client.get(one_step.group(1).decode())
    assert direct.status_code == 200 and direct.mimetype == "application/zip"
    direct.close()

    other = client.application.test_client()
    sign_in(other, "r2@example.com")
    assert other.get(path).status_code == 404
    assert other.get(status_url).status_code == 404
    assert other.get(one_step.group(1).decode()).status_code == 404


def test_a_forged_form_for_another_firm_is_forbidden_and_writes_nothing(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    sign_in(client, "r@example.com")
    response = client.post(
        "/exports",
        data={"csrf_token": csrf(client, "/exports"), "firms": [str(world["other_firm"])]},
    )
    assert response.status_code == 403
    empty = client.post(
        "/exports", data={"csrf_token": csrf(client, "/exports"), "date_from": "2031-01-01"}
    )
    assert empty.status_code == 422 and b"No responses match" in empty.data
    assert written(sqlite_db) == (0, 0, 0)


def test_only_admins_see_the_audit_log_and_it_names_who_and_the_hash(
    app: Flask, client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    client.post("/api/v1/exports", json={}, headers=bearer(world))
    sign_in(client, "r@example.com")
    assert client.get("/exports/audit").status_code == 403
    admin = app.test_client()
    sign_in(admin, "a@example.com")
    page = admin.get("/exports/audit")
    assert page.status_code == 200 and b"r@example.com" in page.data and b"requested" in page.data


def test_the_cli_builds_with_a_progress_bar_and_saves_the_zip(
    app: Flask, sqlite_db: Database, world: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "bundle.zip"
    args = ["export", "--email", "r@example.com", "--survey", "mentor_pulse", "--out", str(out)]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Exporting" in result.output  # click draws the bar itself only on a terminal
    assert "mentor_pulse.dta" in zipfile.ZipFile(out).namelist()
    with sqlite_db.sessions() as session:
        export = session.scalars(select(ExportRequest)).one()
        assert export.status == "done" and export.sha256 in result.output
        actions = session.scalars(select(ExportAudit.action).order_by(ExportAudit.id)).all()
        assert actions == ["requested", "downloaded"]


def test_the_cli_refuses_a_foreign_firm_and_writes_nothing(
    app: Flask, sqlite_db: Database, world: dict[str, Any]
) -> None:
    with sqlite_db.sessions() as session:
        from surveys.db.models import Firm

        slug = session.scalars(select(Firm.slug).where(Firm.id == world["other_firm"])).one()
    result = app.test_cli_runner().invoke(
        args=["export", "--email", "r@example.com", "--firm", slug]
    )
    assert result.exit_code == 3 and "outside your account's firms" in result.output
    assert written(sqlite_db) == (0, 0, 0)
