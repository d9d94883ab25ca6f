"""Embedded mode: in-memory broker and worker threads in the web process, backed by the outbox."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date

import pytest
from dramatiq import Worker
from sqlalchemy import func, select

from surveys import outbox
from surveys.db.models import AggregateCell
from surveys.db.session import Database
from surveys.services.meetings import record_meeting
from tests.support import factories as f
from tests.support.probe_actors import probe, probe_count
from tests.support.submissions import submit
from workers import runtime
from workers.actors.routing import ROUTES
from workers.broker import broker, is_embedded
from workers.embedded import EmbeddedRuntime, start_embedded


def test_without_redis_url_the_broker_is_the_in_memory_one() -> None:
    assert is_embedded()


def test_a_restarted_web_process_relays_what_the_stopped_one_left(
    sqlite_db: Database, make_settings: Callable[..., object]
) -> None:
    runtime.configure(make_settings(database_url=sqlite_db.url), sqlite_db)  # type: ignore[arg-type]
    saved_routes = list(ROUTES["meeting.recorded"])
    ROUTES["meeting.recorded"][:] = [probe]  # the probe alone consumes meeting.recorded
    try:
        # The first process commits two meetings and stops before relaying anything.
        with sqlite_db.transaction() as session:
            pairing = f.pairing(session)
            for day in (3, 17):
                record_meeting(
                    session, pairing.id, date(2026, 2, day), "staff", today=date(2026, 3, 1)
                )
        # The next process starts its embedded runtime: the events are relayed and handled.
        embedded = EmbeddedRuntime(Worker(broker, worker_timeout=50), interval=0.2)
        embedded.start()
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with sqlite_db.sessions() as session:
                    if probe_count(session) == 2:
                        break
                time.sleep(0.1)
            with sqlite_db.sessions() as session:
                assert probe_count(session) == 2
        finally:
            embedded.stop()
    finally:
        ROUTES["meeting.recorded"][:] = saved_routes


def test_embedded_mode_says_so_in_one_line(
    sqlite_db: Database, make_settings: Callable[..., object], caplog: pytest.LogCaptureFixture
) -> None:
    runtime.configure(make_settings(database_url=sqlite_db.url), sqlite_db)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="workers.embedded"):
        embedded = start_embedded(worker_threads=1, interval=5)
        embedded.stop()
    lines = [r.getMessage() for r in caplog.records if "EMBEDDED mode" in r.getMessage()]
    assert len(lines) == 1 and "REDIS_URL" in lines[0]


def test_a_restarted_web_process_aggregates_the_responses_the_stopped_one_left(
    sqlite_db: Database, make_settings: Callable[..., object]
) -> None:
    from surveys import aggregates

    runtime.configure(make_settings(database_url=sqlite_db.url), sqlite_db)  # type: ignore[arg-type]
    with sqlite_db.transaction() as session:
        programme = f.programme(session)
        for value in (1, 2, 3, 4, 5, 5, 4):
            submit(session, programme, answers={"useful": value})
    embedded = EmbeddedRuntime(Worker(broker, worker_timeout=50), interval=0.2)
    embedded.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with sqlite_db.sessions() as session:
                if not aggregates.verify(session) and not outbox.backlog(session).unpublished:
                    if session.scalar(select(func.count()).select_from(AggregateCell)):
                        break
            time.sleep(0.1)
    finally:
        embedded.stop()
    with sqlite_db.sessions() as session:
        assert outbox.backlog(session).unpublished == 0
        assert aggregates.verify(session) == []
        n = session.scalar(
            select(AggregateCell.n).where(
                AggregateCell.question_key == "useful", AggregateCell.period_kind == "week"
            )
        )
    assert n == 7
