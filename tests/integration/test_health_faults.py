"""Real processes die, /healthz notices (issue 14, "operations that notice").

`dramatiq workers` and the clock (`python -m workers.scheduler`) run as real
processes against a private redis-server and PostgreSQL, beating every second;
the app reads their heartbeats with a 4-second threshold. Killing one worker
process takes the whole Dramatiq tier down (Dramatiq's own behaviour, which is
why the tier runs under a supervisor that restarts it: deploy/systemd); killing
the clock stops its heartbeat. Both turn /healthz "degraded" with a reason, and
it is "ok" again once they are started again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from surveys.db.session import Database
from surveys.settings import Settings
from tests.support.redis_server import RedisServer, start_private_redis
from tests.support.worker_processes import ROOT, WorkerProcesses

pytestmark = pytest.mark.faults

STALE_SECONDS = 4
BEAT_ENV = {"FLIPSIDE_HEARTBEAT_SECONDS": "1", "FLIPSIDE_QUEUE_NAMESPACE": "flipside"}


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = start_private_redis(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app(
    redis_server: RedisServer,
    pg_db: Database,
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    from webapp import create_app

    monkeypatch.setenv("FLIPSIDE_QUEUE_NAMESPACE", "flipside")
    settings = make_settings(
        database_url=pg_db.url, redis_url=redis_server.url, health_stale_seconds=STALE_SECONDS
    )
    return create_app({"TESTING": True, "FLIPSIDE_DATABASE": pg_db}, settings=settings)


@pytest.fixture
def workers(
    redis_server: RedisServer, pg_db: Database, tmp_path: Path
) -> Iterator[WorkerProcesses]:
    procs = WorkerProcesses(redis_server.url, pg_db.url, tmp_path, processes=2, env=BEAT_ENV)
    yield procs
    procs.stop_all()


class Clock:
    """`python -m workers.scheduler`, the Procfile's clock, in a process group of its own."""

    def __init__(self, redis_url: str, database_url: str, log_dir: Path) -> None:
        self.env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "w" * 40,
            "PYTHONPATH": str(ROOT),
            **BEAT_ENV,
        }
        self.log_path = log_dir / "clock.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "workers.scheduler"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def clock(redis_server: RedisServer, pg_db: Database, tmp_path: Path) -> Iterator[Clock]:
    proc = Clock(redis_server.url, pg_db.url, tmp_path)
    yield proc
    proc.stop()


def health(app: Any) -> dict[str, Any]:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def wait_for_health(
    app: Any, predicate: Callable[[dict[str, Any]], bool], seconds: float
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        body = health(app)
        if predicate(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.25)


def is_ok(body: dict[str, Any]) -> bool:
    return body["status"] == "ok"


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def test_a_killed_worker_process_and_a_killed_clock_turn_healthz_degraded_until_restarted(
    app: Any, workers: WorkerProcesses, clock: Clock
) -> None:
    tier = workers.start()
    clock.start()
    body = wait_for_health(app, lambda b: is_ok(b) and b["heartbeats"]["workers_alive"] == 2, 90)
    assert is_ok(body), (body, workers.logs(), clock.log_path.read_text())
    assert body["heartbeats"]["workers_alive"] == 2  # one per process

    # One worker process dies: Dramatiq shuts the whole tier down.
    os.kill(children(tier.pid)[0], signal.SIGKILL)
    killed_at = time.monotonic()
    tier.wait(timeout=60)
    body = wait_for_health(app, lambda b: b["status"] == "degraded", STALE_SECONDS + 10)
    assert body["status"] == "degraded", body
    assert time.monotonic() - killed_at < STALE_SECONDS + 30
    assert [r for r in body["reasons"] if "no worker heartbeat" in r], body
    assert not [r for r in body["reasons"] if "clock" in r], body

    # The supervisor starts it again.
    workers.start()
    body = wait_for_health(app, is_ok, 90)
    assert is_ok(body), (body, workers.logs())

    clock.kill()
    body = wait_for_health(app, lambda b: b["status"] == "degraded", STALE_SECONDS + 10)
    assert [r for r in body["reasons"] if "no clock heartbeat" in r], body
    assert not [r for r in body["reasons"] if "worker" in r], body

    clock.start()
    body = wait_for_health(app, is_ok, 60)
    assert is_ok(body), (body, clock.log_path.read_text())
