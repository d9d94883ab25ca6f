"""Survey submissions per second under gunicorn on PostgreSQL, against a bare Flask insert.

Both apps run under the same gunicorn settings (2 workers), against the same
PostgreSQL, driven by the same client for the same time. A submission is the
real thing: POST /s/<token> through the link-bound CSRF token (no cookie, as a
participant's browser sends none), token check, answer validation,
response + answers + invitation update + outbox row in one transaction, and the
after-commit relay nudge to Redis. Prints both rates and their ratio (target >= 0.6).

    .venv/bin/python bench/submit.py [--rounds 3] [--seconds 8] [--clients 8]
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from surveys.db import migrate  # noqa: E402
from surveys.db.models import SurveyInvitation  # noqa: E402
from surveys.db.session import Database  # noqa: E402
from surveys.db.types import utcnow  # noqa: E402
from surveys.services.invitations import open_invitation  # noqa: E402
from surveys.services.responses import submission_context  # noqa: E402
from surveys.services.tokens import hash_token, new_salt, survey_token  # noqa: E402
from tests.support import factories as f  # noqa: E402
from webapp.respond.context import dump_context, form_token  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SECRET = "bench-secret-" + "z" * 30
ANSWERS = {
    "spoke_openly": "4",
    "mentee_engaged": "5",
    "good_use_of_time": "3",
    "topics": ["technology", "wellbeing"],
    "recommend_programme": "8",
    "comment": "",
}


def create_database() -> tuple[str, str]:
    name = f"flipside_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str, invitations: int) -> list[tuple[str, str]]:
    """Schema, one pairing, ``invitations`` open mentor invitations: (token, page context).

    The page context is what the survey page embeds when a participant opens the
    link (signed, see webapp/respond/context.py); the submissions carry it as a
    browser would."""
    migrate.upgrade(url)
    db = Database(url)
    with db.transaction() as session:
        pairing = f.pairing(session)
        session.execute(
            text(
                "CREATE TABLE bench_rows (id serial PRIMARY KEY, value int NOT NULL,"
                " created_on date NOT NULL)"
            )
        )
        meetings = [f.meeting(session, pairing).id for _ in range(invitations)]
        mentor_id, programme_id = pairing.mentor_id, pairing.programme_id
    tokens, rows = [], []
    expires = utcnow() + timedelta(days=14)
    for meeting_id in meetings:
        salt = new_salt()
        token = survey_token(SECRET, salt)
        tokens.append(token)
        rows.append(
            {
                "token_hash": hash_token(token),
                "token_salt": salt,
                "person_id": mentor_id,
                "programme_id": programme_id,
                "survey_key": "mentor_pulse",
                "survey_version": 1,
                "meeting_id": meeting_id,
                "expires_at": expires,
                "reminders_sent": 0,
                "responded": False,
                "opted_out": False,
                "created_at": utcnow(),
            }
        )
    with db.transaction() as session:
        session.execute(insert(SurveyInvitation), rows)
    with db.sessions() as session:
        first = submission_context(session, open_invitation(session, tokens[0]))
        ids = dict(session.execute(select(SurveyInvitation.token_hash, SurveyInvitation.id)).all())
    db.dispose()
    return [
        (
            token,
            dump_context(
                SECRET, dataclasses.replace(first, invitation_id=ids[hash_token(token)]), token
            ),
        )
        for token in tokens
    ]


def start_gunicorn(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz" if "wsgi" in target else "/nope")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"gunicorn ({target}) did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def drive(
    port: int,
    seconds: float,
    clients: int,
    make_request: Callable[[http.client.HTTPConnection], int],
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local, bad = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                status = make_request(conn)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            if status in (204, 303):
                local.append(time.perf_counter() - started)
            else:
                bad += 1
        with lock:
            latencies.extend(local)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "count": len(latencies),
        "rate": len(latencies) / elapsed,
        "errors": errors,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--invitations", type=int, default=20000)
    args = parser.parse_args()

    name, url = create_database()
    try:
        print(f"preparing {args.invitations} invitations in {name} ...", flush=True)
        tokens = prepare(url, args.invitations)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "REDIS_URL": REDIS_URL,
            "FLIPSIDE_QUEUE_NAMESPACE": f"bench-{name}",
            "FLIPSIDE_BASE_URL": "http://x",
        }
        env.pop("FLIPSIDE_DEMO", None)
        bare_port, app_port = free_port(), free_port()
        bare = start_gunicorn("bench.bare_app:app", bare_port, env)
        app = start_gunicorn("webapp.wsgi:app", app_port, env)
        try:
            remaining = iter(tokens)
            token_lock = threading.Lock()

            def insert_one(conn: http.client.HTTPConnection) -> int:
                return _post(conn, "/insert", b"", {})

            def submit(conn: http.client.HTTPConnection) -> int:
                with token_lock:
                    token, context = next(remaining)
                form = {**ANSWERS, "csrf_token": form_token(SECRET, token), "context": context}
                body = urlencode(form, doseq=True).encode()
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                return _post(conn, f"/s/{token}", body, headers)

            drive(bare_port, 2, args.clients, insert_one)  # warm-up both
            drive(app_port, 2, args.clients, submit)
            # Alternate short rounds so drifting background load hits both sides alike.
            rounds = []
            for _ in range(args.rounds):
                bare_r = drive(bare_port, args.seconds, args.clients, insert_one)
                submit_r = drive(app_port, args.seconds, args.clients, submit)
                rounds.append((bare_r, submit_r))
                print(
                    f"round {len(rounds)}: bare {bare_r['rate']:7.1f}/s  "
                    f"submit {submit_r['rate']:7.1f}/s  "
                    f"ratio {submit_r['rate'] / bare_r['rate']:.2f}",
                    flush=True,
                )
        finally:
            stop(app)
            stop(bare)
    finally:
        drop_database(name)

    def total(index: int, key: str) -> float:
        return sum(r[index][key] for r in rounds)

    for label, index in (("bare Flask insert", 0), ("survey submission", 1)):
        rate = total(index, "count") / (args.seconds * len(rounds))
        errors = int(total(index, "errors"))
        p50 = statistics.median(r[index]["p50_ms"] for r in rounds)
        p95 = max(r[index]["p95_ms"] for r in rounds)
        print(
            f"{label:20s} {rate:8.1f}/s  errors={errors}  p50={p50:.1f} ms  "
            f"p95 (worst round)={p95:.1f} ms"
        )
    ratios = sorted(r[1]["rate"] / r[0]["rate"] for r in rounds)
    print(
        f"ratio submission/bare: median {statistics.median(ratios):.2f} "
        f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)}; target >= 0.60)"
    )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]) -> int:
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


if __name__ == "__main__":
    main()
