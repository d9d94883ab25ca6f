"""The release step as messages: one per programme whose release moved, any worker, idempotent.

Through the real mixer actor and the stub worker (tests/conftest.py): a pass
sends one ``store_programme_reports`` message per programme it released into,
after its transaction committed, and none for a programme it did not touch; a
message stores the reports once (redelivered, it builds nothing); a message of an
older release never stores over a newer one; a page view between a release and
its stored report reads the previous release's (labelled, with a Refresh header)
and computes nothing in the web process. The last test runs the release on two
real ``dramatiq`` worker processes against a private Redis.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dramatiq.brokers.redis import RedisBroker
from flask import Flask
from sqlalchemy import select

from surveys.db.models import Programme, ReleasedReport
from surveys.db.session import Database
from surveys.reports import cache as release_cache
from surveys.reports.precompute import STORED_REPORTS, store_programme
from tests.integration.test_released_reports import (
    ANSWERS,
    K,
    app_on,  # noqa: F401  (fixture)
    computed,  # noqa: F401  (fixture)
    make_programme,
    seal,
    stored,
    version_of,
)
from tests.support import factories as f
from tests.support.redis_server import start_private_redis
from tests.support.worker_processes import WorkerProcesses
from workers.actors import reports
from workers.actors.mixing import mix_submissions
from workers.broker import broker, build_broker

LOGIN_PASSWORD = "correct horse battery"


def another_programme(db: Database) -> int:
    """A programme of its own firm, with no account (make_programme makes the lead's)."""
    with db.transaction() as session:
        programme = f.programme(session)
        for _ in range(K):
            f.pairing(session, programme)
        return programme.id


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch, db: Database) -> list[tuple[int, int, int]]:
    """Each message sent (programme, version sent for, version committed when sent);
    not run."""
    seen: list[tuple[int, int, int]] = []

    def send(programme_id: int, version: int) -> None:
        seen.append((programme_id, version, version_of(db, programme_id)))

    monkeypatch.setattr(reports.store_programme_reports, "send", send)
    return seen


def run(programme_id: int, version: int) -> None:
    """One message, delivered through the stub broker and run by the stub worker."""
    reports.store_programme_reports.send_with_options(args=(programme_id, version))
    broker.join(reports.QUEUE, timeout=60_000, fail_fast=True)


def test_a_pass_sends_one_message_per_programme_it_released_into_after_commit(
    app_on: Flask,  # noqa: F811
    db: Database,
    sent: list[tuple[int, int, int]],
) -> None:
    moved, untouched = make_programme(db), another_programme(db)
    seal(db, moved, range(12), ANSWERS)
    mix_submissions.fn()
    version = version_of(db, moved)
    # Sent for the committed release (read from another session when sent), once.
    assert sent == [(moved, version, version)]
    assert version > 0
    assert version_of(db, untouched) == 0
    sent.clear()
    mix_submissions.fn()  # nothing new released: nothing to recompute
    assert sent == []


def test_a_message_stores_the_reports_once_and_a_redelivery_builds_nothing(
    app_on: Flask,  # noqa: F811
    db: Database,
    computed: list[str],  # noqa: F811
    sent: list[tuple[int, int, int]],
) -> None:
    programme_id = make_programme(db)
    seal(db, programme_id, range(12), ANSWERS)
    mix_submissions.fn()
    ((_, version, _),) = sent
    assert stored(db, programme_id) == {}  # nothing stored by the pass itself
    run(programme_id, version)
    assert sorted(computed) == sorted(STORED_REPORTS)
    assert {v for v, _ in stored(db, programme_id).values()} == {version}
    computed.clear()
    run(programme_id, version)  # redelivered
    assert computed == []
    assert store_programme(db, programme_id, version, default_k=K) == "current"


def test_an_older_release_never_stores_over_a_newer_one(
    app_on: Flask,  # noqa: F811
    db: Database,
    computed: list[str],  # noqa: F811
    sent: list[tuple[int, int, int]],
) -> None:
    programme_id = make_programme(db)
    seal(db, programme_id, range(12), ANSWERS)
    mix_submissions.fn()
    old = version_of(db, programme_id)
    seal(db, programme_id, range(12, 24), ANSWERS)
    mix_submissions.fn()
    new = version_of(db, programme_id)
    assert new > old
    run(programme_id, new)
    computed.clear()
    # The first release's message, delivered late: left to the newer release's.
    assert store_programme(db, programme_id, old, default_k=K) == "superseded"
    assert computed == []
    # A report decided for an older version (a slow worker's snapshot) is not stored
    # over the newer one.
    codec = release_cache.Codec(to_dict=lambda x: x, from_dict=lambda x: x)
    with db.transaction() as session:
        session.info[release_cache.STORING] = True
        programme = session.get_one(Programme, programme_id)
        key = release_cache.key_for("probe", programme, K)
        release_cache.cached(session, key, lambda: {"from": "new"}, codec)
        older = dataclasses.replace(key, release_version=old)
        release_cache.cached(session, older, lambda: {"from": "old"}, codec)
    with db.sessions() as session:
        probes = session.execute(
            select(ReleasedReport.release_version, ReleasedReport.body).where(
                ReleasedReport.name == "probe"
            )
        ).all()
    assert [tuple(p) for p in probes] == [(new, '{"from": "new"}')]
    assert {v for v, _ in stored(db, programme_id).values()} == {new}


def test_a_view_between_a_release_and_its_stored_report_computes_nothing_in_the_web_process(
    app_on: Flask,  # noqa: F811
    db: Database,
    computed: list[str],  # noqa: F811
    sent: list[tuple[int, int, int]],
) -> None:
    programme_id = make_programme(db)
    seal(db, programme_id, range(12), ANSWERS)
    mix_submissions.fn()
    old = version_of(db, programme_id)
    run(programme_id, old)
    seal(db, programme_id, range(12, 24), ANSWERS)
    mix_submissions.fn()  # the new release's message is sent, not run yet
    new = version_of(db, programme_id)
    release_cache.clear()  # a web process that has computed nothing yet
    computed.clear()
    for page in ("/pulse", "", "/headline"):
        response = get(app_on, programme_id, page)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert computed == [], page
        assert response.headers.get("Refresh") == "10", page
        assert 'id="report-being-prepared"' in text, page
        assert f"(release {old})" in text, page
    run(programme_id, new)
    assert sorted(computed) == sorted(STORED_REPORTS)  # by the worker
    computed.clear()
    response = get(app_on, programme_id, "/pulse")
    assert computed == []  # read from the store, not computed
    assert "Refresh" not in response.headers
    assert 'id="report-being-prepared"' not in response.get_data(as_text=True)


def get(app: Flask, programme_id: int, page: str) -> Any:
    client = app.test_client()
    login = client.get("/auth/login").get_data(as_text=True)
    token = login.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/auth/login",
        data={"email": "lead@example.com", "password": LOGIN_PASSWORD, "csrf_token": token},
    )
    return client.get(f"/dashboard/programmes/{programme_id}{page}")


@pytest.fixture
def redis_broker(tmp_path: Path) -> Iterator[tuple[str, RedisBroker]]:
    server = start_private_redis(tmp_path)
    target = build_broker(server.url)
    assert isinstance(target, RedisBroker)
    try:
        yield server.url, target
    finally:
        target.close()
        target.client.connection_pool.disconnect()
        server.stop()


def test_two_worker_processes_store_every_released_programme(
    pg_db: Database, redis_broker: tuple[str, RedisBroker], tmp_path: Path
) -> None:
    url, target = redis_broker
    programmes = [another_programme(pg_db) for _ in range(4)]
    for programme_id in programmes:
        seal(pg_db, programme_id, range(12), ANSWERS)
    workers = WorkerProcesses(url, pg_db.url, tmp_path, env={"FLIPSIDE_MIN_GROUP_SIZE": str(K)})
    try:
        workers.start()
        workers.start()
        target.enqueue(mix_submissions.message())
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not all_stored(pg_db, programmes):
            time.sleep(0.3)
        assert all_stored(pg_db, programmes), workers.logs()
    finally:
        workers.stop_all()
    logs = workers.logs()
    for programme_id in programmes:
        assert f"reports of programme {programme_id} at release" in logs


def all_stored(db: Database, programmes: list[int]) -> bool:
    for programme_id in programmes:
        versions = {v for v, _ in stored(db, programme_id).values()}
        if set(stored(db, programme_id)) != STORED_REPORTS or versions != {
            version_of(db, programme_id)
        }:
            return False
    return True
