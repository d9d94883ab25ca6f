"""Bundles in object storage: built by one process, served by another with no shared folder.

A real S3-compatible server process (moto's server mode) on loopback stands for the
bucket. Two instance folders stand for two machines: the worker's and the web's.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from surveys.db.models import ExportRequest, OutboxEvent
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.services import exports as svc
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from surveys.services.errors import NotFound
from surveys.settings import Settings
from surveys.storage import S3Store
from tests.support import factories as f
from tests.support.s3_server import CREDENTIALS, make_bucket, s3_server
from webapp import create_app

PULSE = {"spoke_openly": 4, "mentee_engaged": 5, "good_use_of_time": 3, "recommend_programme": 9}
BUCKET = "flipside-bundles"


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with s3_server(tmp_path_factory.mktemp("s3")) as url:
        make_bucket(url, BUCKET)
        yield url


@pytest.fixture
def two_machines(
    s3_endpoint: str,
    tmp_path: Path,
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Settings, Settings]:
    """The worker's settings and the web's: one bucket, two instance folders."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    base = make_settings(export_bucket=BUCKET, s3_endpoint_url=s3_endpoint)
    return (
        replace(base, instance_path=tmp_path / "worker-machine"),
        replace(base, instance_path=tmp_path / "web-machine"),
    )


def seed(db: Database) -> dict[str, Any]:
    with db.transaction() as session:
        programme = f.programme(session)
        for i in range(8):
            f.answered(session, programme, PULSE, submitted_on=date(2026, 2, 1 + i))
        account = create_account(
            session, "r@example.com", "correct horse battery", "researcher", [programme.firm]
        )
        token = create_api_token(session, account.id, "t").secret
        wanted = svc.ScopeInput(survey_keys=("mentor_pulse",), programme_id=programme.id)
        export_id = svc.request_export(session, account, wanted).id
        return {"account": account.id, "token": token, "export": export_id}


def build(db: Database, settings: Settings, export_id: int) -> None:
    with db.sessions() as session:
        event_id = session.scalars(select(OutboxEvent.id)).first() or 0
    status = svc.run_export(
        db, event_id, export_id, default_k=5, store=settings.bundles, expected=None
    )
    assert status == "done"


def web(settings: Settings, db: Database) -> Flask:
    return create_app(
        {"TESTING": True, "FLIPSIDE_DATABASE": db}, settings=replace(settings, database_url=db.url)
    )


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_a_bundle_built_on_the_worker_machine_downloads_from_the_web_machine(
    sqlite_db: Database, two_machines: tuple[Settings, Settings]
) -> None:
    worker, web_settings = two_machines
    ids = seed(sqlite_db)
    build(sqlite_db, worker, ids["export"])
    assert isinstance(worker.bundles, S3Store)
    # Nothing stays on the worker's disk, and the web machine never had the file.
    assert not files_under(worker.instance_path / "exports-work")
    assert not files_under(web_settings.instance_path / "exports")

    client = web(web_settings, sqlite_db).test_client()
    auth = {"Authorization": f"Bearer {ids['token']}"}
    response = client.get(f"/api/v1/exports/{ids['export']}/bundle", headers=auth)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/zip"
    body = response.data
    assert body[:2] == b"PK"
    with sqlite_db.sessions() as session:
        export = session.get(ExportRequest, ids["export"])
        assert export is not None
        assert hashlib.sha256(body).hexdigest() == export.sha256
        assert int(response.headers["Content-Length"]) == len(body)

    link = client.post(f"/api/v1/exports/{ids['export']}/link", headers=auth).get_json()
    first = client.get(link["download_url"], headers=auth)
    assert first.status_code == 200 and first.data == body
    assert client.get(link["download_url"], headers=auth).status_code == 404  # single-use


def test_expiry_deletes_the_object_from_the_bucket(
    sqlite_db: Database, two_machines: tuple[Settings, Settings]
) -> None:
    worker, web_settings = two_machines
    ids = seed(sqlite_db)
    build(sqlite_db, worker, ids["export"])
    with sqlite_db.transaction() as session:
        export = session.get(ExportRequest, ids["export"])
        assert export is not None and export.file_name
        name = export.file_name
        assert web_settings.bundles.exists(name)
        export.expires_at = utcnow() - timedelta(seconds=1)
    with sqlite_db.transaction() as session:
        assert svc.expire_exports(session, web_settings.bundles) == 1
    assert not worker.bundles.exists(name)


def test_simultaneous_downloads_of_one_single_use_link_give_one_bundle(
    pg_db: Database, make_settings: Callable[..., Settings]
) -> None:
    """Eight clients with the same link at the same moment: one gets the bundle, seven 404."""
    settings = make_settings(database_url=pg_db.url)
    ids = seed(pg_db)
    build(pg_db, settings, ids["export"])
    with pg_db.transaction() as session:
        token = svc.issue_link(session, _account(session, ids["account"]), ids["export"])
    start = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        start.wait(10)
        try:
            with pg_db.transaction() as session:
                svc.download(session, _account(session, ids["account"]), token, settings.bundles)
            outcome = "bundle"
        except NotFound:
            outcome = "404"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["404"] * 7 + ["bundle"], outcomes


def _account(session: Any, account_id: int) -> Any:
    from surveys.db.models import Account

    found = session.get(Account, account_id)
    assert found is not None
    return found
