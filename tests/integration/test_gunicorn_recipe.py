"""The production recipe's gunicorn settings (deploy/gunicorn.conf.py): the app is loaded
once in the master and workers are forked from it, each with its own database
connections; a worker killed with SIGKILL is replaced and the replacement serves pages
that read the database."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _wait(what: str, check: object, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {seconds:.0f} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def test_preloaded_workers_are_replaced_and_serve_the_database(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FLIPSIDE_")},
        "FLIPSIDE_DEMO": "1",
        "FLIPSIDE_INSTANCE_PATH": str(tmp_path / "instance"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-c", "from webapp.cli import main; main()", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        master = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "webapp.wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait("gunicorn answers", lambda: _get(port, "/healthz") == 200, 180, log)
        _wait("two workers", lambda: len(_children(master.pid)) == 2, 60, log)
        victim = _children(master.pid)[0]
        os.kill(victim, signal.SIGKILL)
        _wait(
            "a replacement worker",
            lambda: victim not in _children(master.pid) and len(_children(master.pid)) == 2,
            60,
            log,
        )
        # Every worker, the replacement included, reads the database (the sign-in page
        # and /healthz both do): 20 requests spread over both answer.
        assert all(_get(port, "/healthz") == 200 for _ in range(20)), log.read_text()[-3000:]
        assert b"Traceback" not in log.read_bytes()
    finally:
        master.send_signal(signal.SIGTERM)
        master.wait(30)
