"""Survey submissions and whole visits per second under gunicorn on PostgreSQL, each
against a bare Flask baseline measured in the same run.

Both apps run under the same gunicorn settings (2 workers x 4 threads), against the
same PostgreSQL, driven by the same client (loopback only) for the same time, in
alternating rounds so drifting background load hits both sides alike. Every ratio is
against the baseline measured in this run. The run is bounded: it prints its planned
load time, each round stops by the clock, and it stops both servers and drops its
database when done (or interrupted).

``--mode post`` (the default, as before): a submission is the real thing: POST
/s/<token> through the link-bound CSRF token (no cookie, as a participant's browser
sends none), token check, answer validation, the write in one transaction, and the
after-commit relay nudge to Redis; the baseline is a bare Flask POST inserting one row.
Target >= 0.6.

``--mode visit``: a participant's whole visit: GET /s/<token> (the link is looked up,
the page rendered), POST the answers with the CSRF token and signed context read from
that page, follow the 303 to /s/thanks. The baseline (bench/bare_app.py) GETs a Jinja
page of the same form shape, POSTs it to an endpoint that inserts one row, and follows
its 303 to a small thanks page. Target >= 0.5. ``--mode both`` runs the two.

What it leaves out: TLS, a reverse proxy, static files (the stylesheet a browser would
fetch, cached after the first page), a browser's think time between GET and POST,
concurrent staff traffic, the workers (a submission writes no outbox event and nudges
no relay), and link lookups in the baseline (it is the floor, not a like-for-like app).
Every visit uses a fresh link, so no page is served twice for one link.

    .venv/bin/python bench/submit.py [--mode post|visit|both] [--rounds 3] [--seconds 8]
        [--clients 8] [--invitations N]
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import http.client
import itertools
import os
import re
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
from urllib.parse import urlencode, urlsplit

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from surveys.db import migrate  # noqa: E402
from surveys.db.models import SurveyInvitation  # noqa: E402
from surveys.db.session import Database  # noqa: E402
from surveys.db.types import utcnow  # noqa: E402
from surveys.intake.keys import (  # noqa: E402
    PRIVATE_KEY,
    PSEUDONYM_SECRET,
    PUBLIC_KEY,
    Keys,
    decode,
    generate,
)
from surveys.services.invitations import open_invitation  # noqa: E402
from surveys.services.responses import submission_context  # noqa: E402
from surveys.services.tokens import hash_token, new_salt, survey_token  # noqa: E402
from tests.support import factories as f  # noqa: E402
from webapp.respond.context import dump_context, form_token  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SECRET = "bench-secret-" + "z" * 30
#: A fresh mixer key pair and pseudonym secret; the web processes get no private key.
KEYS = generate()
WEB_KEYS = {name: value for name, value in KEYS.items() if name != PRIVATE_KEY}
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


def remove_redis_keys(namespace: str) -> int:
    """Delete every key this run wrote (queues and heartbeats live under its namespace)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
        return int(client.delete(*keys)) if keys else 0
    finally:
        client.close()


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
        keys = Keys(
            decode(PUBLIC_KEY, KEYS[PUBLIC_KEY]),
            None,
            decode(PSEUDONYM_SECRET, KEYS[PSEUDONYM_SECRET]),
        )
        first = submission_context(open_invitation(session, tokens[0]), keys)
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
    deadline = time.monotonic() + 120  # imports are slow on a busy machine
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


class OutOfInvitations(Exception):
    """Every prepared invitation was used: the run needs a larger --invitations."""


def drive(
    port: int,
    seconds: float,
    clients: int,
    make_request: Callable[[http.client.HTTPConnection], bool],
) -> dict[str, float]:
    """``clients`` threads, each on one keep-alive connection, repeat ``make_request``
    until ``seconds`` have passed; the rate counts the requests that returned True."""
    latencies: list[float] = []
    errors = 0
    exhausted = False
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors, exhausted
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local, bad = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                ok = make_request(conn)
            except OutOfInvitations:
                exhausted = True
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            if ok:
                local.append(time.perf_counter() - started)
            else:
                bad += 1
        conn.close()
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
    if exhausted:
        raise SystemExit("ran out of prepared invitations: run again with a larger --invitations")
    latencies.sort()
    return {
        "count": len(latencies),
        "rate": len(latencies) / elapsed,
        "elapsed": elapsed,
        "errors": errors,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
    }


@dataclasses.dataclass(frozen=True)
class Mode:
    """One comparison: the real app's request against the bare app's, and the target ratio."""

    name: str
    bare_label: str
    app_label: str
    target: float
    bare: Callable[[http.client.HTTPConnection], bool]
    app: Callable[[http.client.HTTPConnection], bool]


def modes(secret: str, tokens: list[tuple[str, str]]) -> dict[str, Mode]:
    remaining = iter(tokens)
    token_lock = threading.Lock()
    bare_visits = itertools.count()
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def next_invitation() -> tuple[str, str]:
        with token_lock:
            try:
                return next(remaining)
            except StopIteration:
                raise OutOfInvitations from None

    def insert_one(conn: http.client.HTTPConnection) -> bool:
        return _request(conn, "POST", "/insert", b"", {})[0] == 204

    def submit(conn: http.client.HTTPConnection) -> bool:
        token, context = next_invitation()
        form = {**ANSWERS, "csrf_token": form_token(secret, token), "context": context}
        body = urlencode(form, doseq=True).encode()
        return _request(conn, "POST", f"/s/{token}", body, form_headers)[0] == 303

    def bare_visit(conn: http.client.HTTPConnection) -> bool:
        path = f"/v/{next(bare_visits)}"
        status, page, _ = _request(conn, "GET", path)
        found = _CSRF.search(page)
        if status != 200 or found is None:
            return False
        body = urlencode({**ANSWERS, "csrf_token": found[1]}, doseq=True).encode()
        status, _, location = _request(conn, "POST", path, body, form_headers)
        return status == 303 and _request(conn, "GET", urlsplit(location).path)[0] == 200

    def visit(conn: http.client.HTTPConnection) -> bool:
        token, _ = next_invitation()
        status, page, _ = _request(conn, "GET", f"/s/{token}")
        csrf, context = _CSRF.search(page), _CONTEXT.search(page)
        if status != 200 or csrf is None or context is None:
            return False
        form = {**ANSWERS, "csrf_token": html.unescape(csrf[1]), "context": context[1]}
        body = urlencode(form, doseq=True).encode()
        status, _, location = _request(conn, "POST", f"/s/{token}", body, form_headers)
        return status == 303 and _request(conn, "GET", urlsplit(location).path)[0] == 200

    return {
        "post": Mode("post", "bare Flask insert", "survey submission", 0.6, insert_one, submit),
        "visit": Mode("visit", "bare Flask visit", "survey visit", 0.5, bare_visit, visit),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["post", "visit", "both"], default="post")
    parser.add_argument("--seconds", type=float, default=8, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--invitations",
        type=int,
        default=None,
        help="open links to prepare (default: 20000 per POST-only mode, 10000 per visit mode)",
    )
    args = parser.parse_args()
    chosen = ["post", "visit"] if args.mode == "both" else [args.mode]
    invitations = args.invitations or sum(20000 if m == "post" else 10000 for m in chosen)
    planned = len(chosen) * 2 * (2 + args.rounds * args.seconds)
    print(f"mode {args.mode}: about {planned:.0f} s of load after preparing", flush=True)

    name, url = create_database()
    results: dict[str, list[tuple[dict[str, float], dict[str, float]]]] = {m: [] for m in chosen}
    try:
        print(f"preparing {invitations} invitations in {name} ...", flush=True)
        tokens = prepare(url, invitations)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "REDIS_URL": REDIS_URL,
            "FLIPSIDE_QUEUE_NAMESPACE": f"bench-{name}",
            "FLIPSIDE_BASE_URL": "http://x",
            **WEB_KEYS,
        }
        env.pop("FLIPSIDE_DEMO", None)
        env.pop(PRIVATE_KEY, None)  # web processes seal; they cannot open
        bare_port, app_port = free_port(), free_port()
        servers: list[subprocess.Popen[bytes]] = []
        try:
            servers.append(start_gunicorn("bench.bare_app:app", bare_port, env))
            servers.append(start_gunicorn("webapp.wsgi:app", app_port, env))
            table = modes(SECRET, tokens)
            for mode in chosen:  # warm-up both sides of every mode
                drive(bare_port, 2, args.clients, table[mode].bare)
                drive(app_port, 2, args.clients, table[mode].app)
            # Alternate short rounds so drifting background load hits both sides alike.
            for number in range(1, args.rounds + 1):
                for mode in chosen:
                    bare_r = drive(bare_port, args.seconds, args.clients, table[mode].bare)
                    app_r = drive(app_port, args.seconds, args.clients, table[mode].app)
                    results[mode].append((bare_r, app_r))
                    print(
                        f"round {number} {mode:5s}: bare {bare_r['rate']:7.1f}/s  "
                        f"app {app_r['rate']:7.1f}/s  "
                        f"ratio {app_r['rate'] / bare_r['rate']:.2f}",
                        flush=True,
                    )
        finally:
            for server in reversed(servers):
                stop(server)
            removed = remove_redis_keys(f"bench-{name}")
            print(f"removed {removed} Redis keys under bench-{name}", flush=True)
        written = stored_rows(url)
        print(
            f"written by the app: {written['sealed_submissions']} sealed submissions, "
            f"{written['responses']} plain responses, {written['answers']} plain answers "
            "(the mixer stores them later, in batches of k people)"
        )
    finally:
        drop_database(name)
    for mode in chosen:
        report(table[mode], results[mode])


def stored_rows(url: str) -> dict[str, int]:
    """What the submissions wrote: sealed rows, and (there must be none) plain responses."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {
            table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("sealed_submissions", "responses", "answers")
        }
    engine.dispose()
    return found


def report(mode: Mode, rounds: list[tuple[dict[str, float], dict[str, float]]]) -> None:
    def total(index: int, key: str) -> float:
        return sum(r[index][key] for r in rounds)

    for label, index in ((mode.bare_label, 0), (mode.app_label, 1)):
        rate = total(index, "count") / total(index, "elapsed")
        errors = int(total(index, "errors"))
        p50 = statistics.median(r[index]["p50_ms"] for r in rounds)
        p95 = max(r[index]["p95_ms"] for r in rounds)
        print(
            f"{label:20s} {rate:8.1f}/s  errors={errors}  p50={p50:.1f} ms  "
            f"p95 (worst round)={p95:.1f} ms"
        )
    ratios = sorted(r[1]["rate"] / r[0]["rate"] for r in rounds)
    print(
        f"ratio {mode.name}/bare: median {statistics.median(ratios):.2f} "
        f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)}; target >= {mode.target:.2f})"
    )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]*)"')
_CONTEXT = re.compile(r'name="context" value="([^"]*)"')


def _request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """(status, body as text, Location header) of one request on a kept-alive connection."""
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    text_ = response.read().decode("utf-8", "replace")
    return response.status, text_, response.getheader("Location") or ""


if __name__ == "__main__":
    main()
