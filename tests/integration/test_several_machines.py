"""Several machines: two web processes and two workers that share no file, only services.

docs/operations.md ("Growing to several machines") is this test written for people.
Each process has its own working directory and instance folder, as if on its own
machine; they share one PostgreSQL database, one Redis (a private redis-server) and
one S3-compatible store (a real server process, moto's server mode). The journey:
participants submit on web A and web B, a worker's mixer pass releases them and
stores the reports, the lead reads the dashboard on web B, a researcher requests an
export on web A, a worker builds it into the bucket and web B serves the download.
"""

from __future__ import annotations

import hashlib
import html
import http.client
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from dramatiq.message import Message
from sqlalchemy import func, select

from surveys.aggregates.cells import RESPONSES
from surveys.db.models import ExportRequest, Response, SealedSubmission
from surveys.db.session import Database
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from surveys.services.invitations import issue_pulse_invitations
from tests.support import factories as f
from tests.support.keys import KEYS, WEB_KEYS
from tests.support.redis_server import start_private_redis
from tests.support.s3_server import CREDENTIALS, make_bucket, s3_server
from tests.support.worker_processes import ROOT, WorkerProcesses
from workers.broker import build_broker

K = 5
#: Mentors who answer: 2k, so that every answer value shown has k people apart from it.
PEOPLE = 2 * K
PASSWORD = "correct horse battery"
BUCKET = "flipside-several"
SECRET = "m" * 40
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]*)"')
_CONTEXT = re.compile(r'name="context" value="([^"]*)"')
pytestmark = pytest.mark.faults  # real processes: slow, like the fault tests


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(
    what: str, check: Callable[[], bool], seconds: float, logs: Callable[[], str]
) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds:.0f} s\n{logs()}", pytrace=False)
        time.sleep(0.5)


class Web:
    """One gunicorn web process on its own "machine" (a folder of its own)."""

    def __init__(self, name: str, folder: Path, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder.mkdir(parents=True)
        self.log = folder / "gunicorn.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "webapp.wsgi:app",
                ],
                cwd=folder,
                env={**env, "FLIPSIDE_INSTANCE_PATH": str(folder / "instance")},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.name = name

    def up(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return True
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def machines(pg_db: Database, tmp_path: Path) -> Iterator[dict[str, Any]]:
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    redis = start_private_redis(redis_dir)
    s3_dir = tmp_path / "s3"
    s3_dir.mkdir()
    webs: list[Web] = []
    workers = WorkerProcesses(
        redis.url,
        pg_db.url,
        tmp_path,
        queues=("aggregation", "outbox", "exports", "invitations", "mail"),
        threads=2,
    )
    try:
        with s3_server(s3_dir) as endpoint:
            make_bucket(endpoint, BUCKET)
            common = {
                **{k: v for k, v in os.environ.items() if not k.startswith("FLIPSIDE_")},
                **CREDENTIALS,
                "PYTHONPATH": str(ROOT),
                "DATABASE_URL": pg_db.url,
                "REDIS_URL": redis.url,
                "SECRET_KEY": SECRET,
                "FLIPSIDE_MIN_GROUP_SIZE": str(K),
                "FLIPSIDE_EXPORT_BUCKET": BUCKET,
                "FLIPSIDE_S3_ENDPOINT_URL": endpoint,
                "FLIPSIDE_QUEUE_NAMESPACE": "several",
            }
            for name in ("worker-1", "worker-2"):
                folder = tmp_path / name
                folder.mkdir()
                workers.extra_env = {**common, **KEYS}
                workers.start(cwd=folder, FLIPSIDE_INSTANCE_PATH=str(folder / "instance"))
            webs = [Web(n, tmp_path / n, {**common, **WEB_KEYS}) for n in ("web-a", "web-b")]

            def logs() -> str:
                return workers.logs() + "".join(
                    w.log.read_text(errors="replace")[-3000:] for w in webs
                )

            for web in webs:
                wait_until(f"{web.name} answers", web.up, 120, logs)
            yield {
                "a": webs[0],
                "b": webs[1],
                "redis": redis.url,
                "logs": logs,
                "folders": [tmp_path / n for n in ("worker-1", "worker-2", "web-a", "web-b")],
            }
    finally:
        for web in webs:
            web.stop()
        workers.stop_all()
        redis.stop()


def seed(db: Database) -> dict[str, Any]:
    """A programme whose mentors met their mentees in February, with pulse invitations."""
    with db.transaction() as session:
        programme = f.programme(session)
        tokens: list[str] = []
        for _ in range(PEOPLE):
            pairing = f.pairing(session, programme)
            meeting = f.meeting(session, pairing, held_on=date(2026, 2, 3))
            for invitation in issue_pulse_invitations(session, meeting.id, SECRET, ttl_days=14):
                if invitation.person_id == pairing.mentor_id:
                    tokens.append(f.token_of(invitation, SECRET))
        create_account(session, "lead@example.com", PASSWORD, "lead", [programme.firm])
        researcher = create_account(
            session, "r@example.com", PASSWORD, "researcher", [programme.firm]
        )
        return {
            "programme": programme.id,
            "tokens": tokens,
            "researcher": create_api_token(session, researcher.id, "t").secret,
        }


def submit(web: Web, token: str, i: int) -> None:
    page = requests.get(f"{web.url}/s/{token}", timeout=30)
    assert page.status_code == 200, page.text[:300]
    csrf, context = _CSRF.search(page.text), _CONTEXT.search(page.text)
    assert csrf and context
    answers = {
        "spoke_openly": str(1 + i % 5),
        "mentee_engaged": str(1 + (i + 2) % 5),
        "good_use_of_time": str(1 + (i + 1) % 5),
        "topics": ["technology"],
        "recommend_programme": str(i % 11),
        "comment": "",
        "csrf_token": html.unescape(csrf[1]),
        "context": context[1],
    }
    done = requests.post(f"{web.url}/s/{token}", data=answers, allow_redirects=False, timeout=30)
    assert done.status_code == 303, done.text[:300]


def sign_in(web: Web, email: str) -> dict[str, str]:
    """The session cookie of a signed-in lead (secure cookies, so carried by hand over http)."""
    page = requests.get(f"{web.url}/auth/login", timeout=30)
    cookies = {c.name: c.value for c in page.cookies}
    csrf = _CSRF.search(page.text)
    assert csrf
    form = {"email": email, "password": PASSWORD, "csrf_token": html.unescape(csrf[1])}
    done = requests.post(
        f"{web.url}/auth/login", data=form, cookies=cookies, allow_redirects=False, timeout=30
    )
    assert done.status_code in (302, 303), done.text[:300]
    return {**cookies, **{c.name: c.value for c in done.cookies}}


def test_two_webs_and_two_workers_share_only_the_database_redis_and_the_bucket(
    pg_db: Database, machines: dict[str, Any]
) -> None:
    world = seed(pg_db)
    a, b, logs = machines["a"], machines["b"], machines["logs"]
    for i, token in enumerate(world["tokens"]):
        submit(a if i % 2 else b, token, i)
    with pg_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SealedSubmission)) == PEOPLE

    # The clock's job, as the clock sends it: one mixer pass, on whichever worker takes it.
    broker = build_broker(machines["redis"], "several")
    broker.enqueue(
        Message(
            queue_name="aggregation",
            actor_name="mix_submissions",
            args=(),
            kwargs={},
            options={},
        )
    )

    def released() -> bool:
        with pg_db.sessions() as session:
            return session.scalar(select(func.count()).select_from(Response)) == PEOPLE

    wait_until("the mixer released the batch", released, 180, logs)

    # The lead reads the dashboard on web B: the month's mentors, all of them.
    cookies = sign_in(b, "lead@example.com")
    pulse = requests.get(
        f"{b.url}/dashboard/programmes/{world['programme']}/pulse", cookies=cookies, timeout=60
    )
    assert pulse.status_code == 200, pulse.text[:300]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", pulse.text))
    assert re.search(rf"\b\d{{4}}-\d{{2}} {PEOPLE} ", text), "no month of the mentors' answers"
    auth = {"Authorization": f"Bearer {world['researcher']}"}
    cells = requests.get(
        f"{b.url}/api/v1/aggregates",
        params={"programme_id": world["programme"], "by": "role"},
        headers=auth,
        timeout=60,
    ).json()["cells"]
    responses = [c for c in cells if c["question_key"] == RESPONSES and c["role"] == "mentor"]
    assert responses and max(c["n"] for c in responses) == PEOPLE, cells[:3]

    # An export requested on web A, built by a worker into the bucket, served by web B.
    asked = requests.post(
        f"{a.url}/api/v1/exports",
        json={"survey_keys": ["mentor_pulse"], "programme_id": world["programme"]},
        headers=auth,
        timeout=60,
    )
    assert asked.status_code == 202, asked.text[:300]
    export_id = asked.json()["export"]["id"]

    def built() -> bool:
        with pg_db.sessions() as session:
            export = session.get(ExportRequest, export_id)
            return export is not None and export.status not in {"queued", "running"}

    wait_until("a worker built the export", built, 240, logs)
    with pg_db.sessions() as session:
        export = session.get(ExportRequest, export_id)
        assert export is not None and export.status == "done", (export and export.message, logs())
        digest = export.sha256
    bundle = requests.get(f"{b.url}/api/v1/exports/{export_id}/bundle", headers=auth, timeout=60)
    assert bundle.status_code == 200, bundle.text[:300]
    assert hashlib.sha256(bundle.content).hexdigest() == digest
    # No process kept the bundle on its own disk: it lives in the bucket only.
    for folder in machines["folders"]:
        assert not [p for p in folder.rglob("*.zip")], f"a bundle was left in {folder}"
