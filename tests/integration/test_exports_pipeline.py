"""Export requests end to end: checks before writing, the outbox, the actor, links, expiry.

The actor runs on the in-memory broker (embedded mode) on SQLite and PostgreSQL,
and in a real `dramatiq workers` process through a private Redis.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from dramatiq import Worker
from sqlalchemy import func, select

from surveys import outbox
from surveys.db.models import Account, ExportAudit, ExportRequest, OutboxEvent, ProcessedEvent
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.services import exports as svc
from surveys.services.accounts import create_account
from surveys.services.errors import Gone, Invalid, NotFound
from surveys.settings import Settings
from tests.support import factories as f
from tests.support.redis_server import start_private_redis
from tests.support.worker_processes import WorkerProcesses
from workers import runtime
from workers.actors.exports import QUEUE
from workers.actors.relay import make_publisher
from workers.broker import broker, build_broker

PASSWORD = "correct horse battery"
PULSE = {"spoke_openly": 4, "mentee_engaged": 5, "good_use_of_time": 3, "recommend_programme": 9}


def seed(db: Database, responses: int = 12) -> dict[str, Any]:
    with db.transaction() as session:
        firm = f.firm(session)
        other = f.firm(session)
        programme = f.programme(session, firm)
        for i in range(responses):
            f.answered(session, programme, PULSE, submitted_on=date(2026, 2, 1 + i % 20))
        researcher = create_account(session, "r@example.com", PASSWORD, "researcher", [firm])
        stranger = create_account(session, "s@example.com", PASSWORD, "researcher", [other])
        lead = create_account(session, "l@example.com", PASSWORD, "lead", [firm])
        return {
            "firm": firm.id,
            "other": other.id,
            "programme": programme.id,
            "researcher": researcher.id,
            "stranger": stranger.id,
            "lead": lead.id,
        }


def account(session: Any, account_id: int) -> Account:
    found = session.get(Account, account_id)
    assert found is not None
    return found


def counts(db: Database) -> tuple[int, int, int]:
    with db.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(ExportRequest)) or 0,
            session.scalar(select(func.count()).select_from(ExportAudit)) or 0,
            session.scalar(select(func.count()).select_from(OutboxEvent)) or 0,
        )


@pytest.fixture
def pipeline(
    db: Database, make_settings: Callable[..., Settings], stub_worker: Worker
) -> Iterator[tuple[Database, Settings]]:
    settings = make_settings(database_url=db.url)
    runtime.configure(settings, db)
    broker.flush_all()
    yield db, settings
    broker.flush_all()


def relay_and_drain(db: Database) -> None:
    outbox.relay_pending(db, make_publisher(broker))
    broker.join(QUEUE, timeout=60_000)


def request(db: Database, who: int, **kw: Any) -> int:
    with db.transaction() as session:
        wanted = svc.ScopeInput(**{"survey_keys": ("mentor_pulse",), **kw})
        return svc.request_export(session, account(session, who), wanted).id


def test_a_request_is_built_by_the_worker_with_progress_hash_and_audit(
    pipeline: tuple[Database, Settings],
) -> None:
    db, settings = pipeline
    ids = seed(db)
    export_id = request(db, ids["researcher"], programme_id=ids["programme"])
    with db.sessions() as session:
        event = session.scalars(select(OutboxEvent)).one()
        assert event.topic == "export.requested" and event.payload == {"export_id": export_id}
    relay_and_drain(db)
    with db.sessions() as session:
        export = session.get(ExportRequest, export_id)
        assert export is not None and export.status == "done", export and export.message
        assert export.rows_done == export.rows_total == 12
        assert export.file_name and export.sha256 and export.expires_at
        path = svc.exports_folder(settings.instance_path) / export.file_name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == export.sha256
        audit = session.scalars(select(ExportAudit)).one()
        assert (audit.action, audit.account_email) == ("requested", "r@example.com")
        assert audit.scope["programme_id"] == ids["programme"]
        assert audit.options == {"include_comments": False}
        assert audit.sha256 == export.sha256  # the request's row names what it produced
        file_name = export.file_name

    # The same event delivered again (at least once) builds nothing.
    with db.sessions() as session:
        receipt = session.scalars(select(ProcessedEvent)).one()
    make_publisher(broker)(
        outbox.Publication(receipt.event_id, "export.requested", {"export_id": export_id})
    )
    broker.join(QUEUE, timeout=60_000)
    with db.sessions() as session:
        export = session.get(ExportRequest, export_id)
        assert export is not None and export.file_name == file_name
    assert len(list(svc.exports_folder(settings.instance_path).glob("*.zip"))) == 1


def test_a_scope_outside_the_researchers_firms_is_forbidden_and_writes_nothing(
    pipeline: tuple[Database, Settings],
) -> None:
    db, _ = pipeline
    ids = seed(db)
    for wanted in ({"firm_ids": (ids["firm"],)}, {"programme_id": ids["programme"]}):
        with pytest.raises(svc.Forbidden), db.transaction() as session:
            svc.request_export(session, account(session, ids["stranger"]), svc.ScopeInput(**wanted))
    with pytest.raises(svc.Forbidden, match="lead account cannot"), db.transaction() as session:
        svc.request_export(session, account(session, ids["lead"]), svc.ScopeInput())
    assert counts(db) == (0, 0, 0)


def test_an_empty_scope_is_refused_with_a_message_and_writes_nothing(
    pipeline: tuple[Database, Settings],
) -> None:
    db, _ = pipeline
    ids = seed(db)
    with pytest.raises(Invalid, match="No responses match"):
        request(db, ids["researcher"], date_from=date(2031, 1, 1))
    with pytest.raises(Invalid, match="unknown survey"):
        request(db, ids["researcher"], survey_keys=("nope",))
    assert counts(db) == (0, 0, 0)


def test_a_scope_too_small_to_release_ends_empty_with_its_reason(
    pipeline: tuple[Database, Settings],
) -> None:
    db, settings = pipeline
    ids = seed(db, responses=2)
    export_id = request(db, ids["researcher"])
    relay_and_drain(db)
    with db.sessions() as session:
        export = session.get(ExportRequest, export_id)
        assert export is not None and export.status == "empty"
        assert export.message and "smaller than" in export.message
    assert not list(svc.exports_folder(settings.instance_path).glob("*.zip"))


def test_links_are_single_account_single_use_expire_and_downloads_are_audited(
    pipeline: tuple[Database, Settings],
) -> None:
    db, settings = pipeline
    ids = seed(db)
    export_id = request(db, ids["researcher"])
    relay_and_drain(db)
    with db.transaction() as session:
        token = svc.issue_link(session, account(session, ids["researcher"]), export_id)
    with db.transaction() as session:
        with pytest.raises(NotFound):
            svc.download(session, account(session, ids["stranger"]), token, settings.bundles)
        with pytest.raises(NotFound):
            svc.download(session, account(session, ids["researcher"]), "x" * 32, settings.bundles)
        export, name = svc.download(
            session, account(session, ids["researcher"]), token, settings.bundles
        )
        path = svc.exports_folder(settings.instance_path) / name
        assert path.is_file()
    with db.transaction() as session, pytest.raises(NotFound):  # single-use: it is spent
        svc.download(session, account(session, ids["researcher"]), token, settings.bundles)
    with db.transaction() as session:
        token = svc.issue_link(session, account(session, ids["researcher"]), export_id)
    with db.transaction() as session:
        export = session.get(ExportRequest, export_id)
        assert export is not None
        export.expires_at = utcnow() - timedelta(seconds=1)
    with db.transaction() as session, pytest.raises(Gone):
        svc.download(session, account(session, ids["researcher"]), token, settings.bundles)
    with db.transaction() as session:
        assert svc.expire_exports(session, settings.bundles) == 1
    assert not path.exists()
    with db.sessions() as session:
        actions = [a.action for a in session.scalars(select(ExportAudit).order_by(ExportAudit.id))]
        assert actions == ["requested", "downloaded"]  # kept after expiry
        downloaded = session.scalars(
            select(ExportAudit).where(ExportAudit.action == "downloaded")
        ).one()
        assert downloaded.sha256 is not None and len(downloaded.sha256) == 64
        export = session.get(ExportRequest, export_id)
        assert export is not None and export.status == "expired" and export.token_hash is None
    with db.transaction() as session, pytest.raises(Gone):
        svc.issue_link(session, account(session, ids["researcher"]), export_id)


def test_the_requester_downloads_in_one_step_and_nobody_else_does(
    pipeline: tuple[Database, Settings],
) -> None:
    db, settings = pipeline
    ids = seed(db)
    export_id = request(db, ids["researcher"])
    with db.transaction() as session, pytest.raises(Gone):  # not built yet
        svc.bundle_of(session, account(session, ids["researcher"]), export_id, settings.bundles)
    relay_and_drain(db)
    for _ in range(2):  # no link to spend: the requester may download again
        with db.transaction() as session:
            export, name = svc.bundle_of(
                session, account(session, ids["researcher"]), export_id, settings.bundles
            )
            assert settings.bundles.exists(name) and export.token_hash is None
    with db.transaction() as session, pytest.raises(NotFound):
        svc.bundle_of(session, account(session, ids["stranger"]), export_id, settings.bundles)
    with db.transaction() as session:
        export = session.get(ExportRequest, export_id)
        assert export is not None
        export.expires_at = utcnow() - timedelta(seconds=1)
    with db.transaction() as session, pytest.raises(Gone):
        svc.bundle_of(session, account(session, ids["researcher"]), export_id, settings.bundles)
    with db.sessions() as session:
        actions = [a.action for a in session.scalars(select(ExportAudit).order_by(ExportAudit.id))]
        assert actions == ["requested", "downloaded", "downloaded"]


def test_a_real_worker_process_builds_an_export_through_redis(
    pg_db: Database, tmp_path: Path
) -> None:
    (tmp_path / "redis").mkdir()
    server = start_private_redis(tmp_path / "redis")
    target = build_broker(server.url)
    instance = tmp_path / "instance"
    procs = WorkerProcesses(
        server.url,
        pg_db.url,
        tmp_path,
        queues=("exports",),
        threads=1,
        env={"FLIPSIDE_INSTANCE_PATH": str(instance)},
    )
    try:
        ids = seed(pg_db)
        export_id = request(pg_db, ids["researcher"])
        outbox.relay_pending(pg_db, make_publisher(target))
        procs.start()
        deadline = time.monotonic() + 90
        status = "queued"
        while time.monotonic() < deadline and status in {"queued", "running"}:
            time.sleep(0.5)
            with pg_db.sessions() as session:
                export = session.get(ExportRequest, export_id)
                status = export.status if export is not None else "missing"
        assert status == "done", procs.logs()
        with pg_db.sessions() as session:
            export = session.get(ExportRequest, export_id)
            assert export is not None and export.file_name
            assert (instance / "exports" / export.file_name).is_file()
    finally:
        procs.stop_all()
        target.close()
        server.stop()
