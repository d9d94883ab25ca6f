"""DP aggregate exports: the budget ledger spends once per request and refuses when spent."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import (
    Account,
    ExportAudit,
    ExportRequest,
    OutboxEvent,
    PrivacyBudget,
    PrivacySpend,
    SurveyRound,
)
from surveys.db.session import Database
from surveys.export import dp
from surveys.services import exports as svc
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from surveys.services.errors import Conflict, Invalid
from surveys.services.exports.dp import remaining_budget, request_dp_export
from surveys.storage import LocalStore
from tests.support import factories as f

PASSWORD = "correct horse battery"


def seed(db: Database) -> dict[str, Any]:
    with db.transaction() as session:
        programme = f.programme(session)
        other = f.programme(session)
        round_ = SurveyRound(
            programme_id=programme.id,
            survey_key="climate",
            survey_version=1,
            label="baseline",
            opened_on=date(2026, 3, 1),
            closes_on=date(2026, 3, 20),
        )
        session.add(round_)
        session.flush()
        for i in range(30):
            f.answered(
                session,
                programme,
                {"belonging": 1 + i % 5, "intend_to_stay": i % 11},
                survey_key="climate",
                round_id=round_.id,
                role=("mentor", "mentee", "comparison")[i % 3],
                submitted_on=date(2026, 3, 2),
            )
        researcher = create_account(
            session, "r@example.com", PASSWORD, "researcher", [programme.firm]
        )
        stranger = create_account(session, "s@example.com", PASSWORD, "researcher", [other.firm])
        token = create_api_token(session, researcher.id, "t").secret
        return {
            "round": round_.id,
            "researcher": researcher.id,
            "stranger": stranger.id,
            "token": token,
        }


def ask(db: Database, who: int, round_id: int, epsilon: float) -> int:
    with db.transaction() as session:
        account = session.get(Account, who)
        assert account is not None
        return request_dp_export(session, account, round_id, epsilon, "role").id


def test_the_budget_is_spent_per_request_and_refused_with_what_remains(sqlite_db: Database) -> None:
    ids = seed(sqlite_db)
    ask(sqlite_db, ids["researcher"], ids["round"], 1.0)
    ask(sqlite_db, ids["researcher"], ids["round"], 0.75)
    with pytest.raises(Conflict, match=r"0\.25 of 2\.00 epsilon remains, so ask for at most 0\.25"):
        ask(sqlite_db, ids["researcher"], ids["round"], 0.5)
    with sqlite_db.sessions() as session:
        assert remaining_budget(session, f"round:{ids['round']}") == pytest.approx(0.25)
        assert [s.epsilon for s in session.scalars(select(PrivacySpend))] == [1.0, 0.75]
        assert session.scalar(select(func.count()).select_from(ExportRequest)) == 2
        budget = session.get(PrivacyBudget, f"round:{ids['round']}")
        assert budget is not None and budget.spent_epsilon == pytest.approx(1.75)
    ask(sqlite_db, ids["researcher"], ids["round"], 0.25)  # exactly what is left


def test_a_round_of_another_firm_is_forbidden_and_bad_epsilons_are_refused(
    sqlite_db: Database,
) -> None:
    ids = seed(sqlite_db)
    with pytest.raises(svc.Forbidden):
        ask(sqlite_db, ids["stranger"], ids["round"], 0.5)
    for epsilon in (0.0, 5.0):
        with pytest.raises(Invalid, match="epsilon must be between"):
            ask(sqlite_db, ids["researcher"], ids["round"], epsilon)
    with sqlite_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExportRequest)) == 0
        assert session.scalar(select(func.count()).select_from(PrivacySpend)) == 0
        assert remaining_budget(session, f"round:{ids['round']}") == dp.DEFAULT_DATASET_BUDGET


def test_the_worker_builds_a_release_with_accuracy_for_every_number(
    sqlite_db: Database, tmp_path: Path
) -> None:
    ids = seed(sqlite_db)
    export_id = ask(sqlite_db, ids["researcher"], ids["round"], 1.0)
    with sqlite_db.sessions() as session:
        event_id = session.scalars(select(OutboxEvent.id)).one()
    assert (
        svc.run_export(
            sqlite_db,
            event_id,
            export_id,
            default_k=5,
            store=LocalStore(tmp_path / "exports"),
            expected=None,
        )
        == "done"
    )
    with sqlite_db.sessions() as session:
        export = session.get(ExportRequest, export_id)
        assert export is not None and export.file_name and export.kind == "dp"
        assert export.rows_done == export.rows_total == 30
        audit = session.scalars(select(ExportAudit)).one()
        assert audit.options["epsilon"] == 1.0
    archive = zipfile.ZipFile(svc.exports_folder(tmp_path) / export.file_name)
    rows = list(csv.DictReader(io.StringIO(archive.read("dp_aggregates.csv").decode())))
    assert {r["cohort"] for r in rows} == {"mentor", "mentee", "comparison"}
    assert all(float(r["accuracy_95"]) > 0 for r in rows)
    counts = {r["cohort"]: float(r["value"]) for r in rows if r["statistic"] == "count"}
    assert all(abs(n - 10) < 200 for n in counts.values())
    assert "epsilon" in archive.read("README.txt").decode()


def test_the_api_refuses_a_request_over_budget_with_409_and_the_remaining_budget(
    app: Flask, client: FlaskClient, sqlite_db: Database
) -> None:
    ids = seed(sqlite_db)
    headers = {"Authorization": f"Bearer {ids['token']}"}
    body = {"kind": "dp", "round_id": ids["round"], "epsilon": 1.0, "by": "role"}
    for _ in range(2):
        assert client.post("/api/v1/exports", json=body, headers=headers).status_code == 202
    refused = client.post("/api/v1/exports", json=body, headers=headers)
    assert refused.status_code == 409
    assert "0.00 of 2.00 epsilon remains" in refused.get_json()["error"]["message"]


def test_the_page_and_the_cli_state_the_remaining_budget_when_refusing(
    app: Flask, client: FlaskClient, sqlite_db: Database, tmp_path: Path
) -> None:
    from tests.integration.test_admin_pages import csrf, sign_in

    ids = seed(sqlite_db)
    sign_in(client, "r@example.com")
    form = {"dp-round_id": str(ids["round"]), "dp-by": "role", "dp-epsilon": "1.0"}
    for _ in range(2):
        page = client.get("/exports")
        assert page.status_code == 200, page.data[-2000:]
        token = csrf(client, "/exports")
        response = client.post("/exports/dp", data={**form, "dp-csrf_token": token})
        assert response.status_code == 303
    refused = client.post("/exports/dp", data={**form, "dp-csrf_token": csrf(client, "/exports")})
    assert refused.status_code == 409
    assert b"0.00 of 2.00 epsilon remains" in refused.data

    result = app.test_cli_runner().invoke(
        args=["export", "--email", "r@example.com", "--dp-round", str(ids["round"])]
    )
    assert result.exit_code == 2 and "0.00 of 2.00 epsilon remains" in result.output


def test_parallel_first_requests_create_the_budget_once_and_none_fails(
    pg_db: Database, make_settings: Any
) -> None:
    """12 parallel first requests for one dataset: each gets 202 or 409, never a 500 from
    a unique-key violation on ``privacy_budgets``; the budget is spent exactly once each."""
    import threading

    from webapp import create_app

    ids = seed(pg_db)
    settings = make_settings(database_url=pg_db.url)
    flask_app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": pg_db}, settings=settings)
    headers = {"Authorization": f"Bearer {ids['token']}"}
    body = {"kind": "dp", "round_id": ids["round"], "epsilon": 0.25, "by": "role"}
    start = threading.Barrier(12)
    codes: list[int] = []

    def ask_once() -> None:
        client = flask_app.test_client()
        start.wait()
        codes.append(client.post("/api/v1/exports", json=body, headers=headers).status_code)

    threads = [threading.Thread(target=ask_once) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(codes)) == [202, 409], codes
    assert codes.count(202) == 8  # 8 x 0.25 = the whole budget of 2.0
    with pg_db.sessions() as session:
        budget = session.get(PrivacyBudget, f"round:{ids['round']}")
        assert budget is not None and budget.spent_epsilon == pytest.approx(2.0)
        assert session.scalar(select(func.count()).select_from(PrivacySpend)) == 8
