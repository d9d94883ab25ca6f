"""After a release touching 200 programmes: time until every report is stored, and first views.

    .venv/bin/python bench/release.py [--responses 1000000] [--baseline 8] [--cold 10]

Creates a PostgreSQL database of its own, ``flipside_bench_release_<random>``
(dropped at the end, also on failure; never a name it did not create), and fills
it straight into the tables with bench/dashboard.py's generator, widened to 100
firms x 2 programmes: people, pairings, meetings, invitations, ``--responses``
pulse responses over the 200 programmes and a year, and their aggregate cells,
all released. A private ``redis-server`` (its own port and folder, stopped at the
end) carries the messages, so nothing is left in anyone's Redis.

Then, in one run:

1. Baseline: a release of every programme (each ``release_version`` moves, as a
   daily pass releasing everywhere would), and the old release step -- every
   programme recomputed one after another in one process
   (surveys/reports/precompute.py ``precompute``) -- on ``--baseline`` programmes,
   with its wall and CPU time per programme and the 200-programme time it implies.
2. A second release of every programme; first views of the measured programme
   *before* its reports are stored (the page shows the previous release's,
   labelled, webapp/dashboard/preparing.py): p95 per page, in a process that
   has kept nothing.
3. Two ``dramatiq workers`` processes (2 threads each) on the ``reports`` queue;
   one ``store_programme_reports`` message per programme (what the mixer sends
   after its pass commits, workers/actors/reports.py): the time until every
   programme's three reports are stored for its new release (target < 60 s), and
   the workers' CPU time per programme from /proc (their process groups).
4. Every message delivered again (a redelivery, or a pass that moved nothing):
   time until the queue is empty (nothing is built again).
5. First views after the reports are stored (bench/dashboard.py's pages, each in
   a process that has kept nothing): p50/p95 against the static home page, target
   p95 < 150 ms.

The machine's load (/proc/loadavg) is printed beside each timing. Left out: the
mixer pass itself (bench/mixer.py) and the relay; PostgreSQL's own CPU time
(only the workers' is counted); several machines (both workers share this one's
cores with PostgreSQL and this process); first views of every programme (one
programme's pages are measured, as bench/dashboard.py does); 10 million responses
(use ``--responses``). Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import dashboard as dash  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

NAME = f"flipside_bench_release_{uuid.uuid4().hex[:8]}"
FIRMS, PER_FIRM = 100, 2
STORED = 3  # reports stored per programme (surveys/reports/precompute.py STORED_REPORTS)
TICK = os.sysconf("SC_CLK_TCK")


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0]


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of every live process in process group ``pgid``."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def bump(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE programmes SET release_version = release_version + 1"))
    engine.dispose()


def stored_count(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.scalar(
            text(
                "SELECT count(*) FROM released_reports r JOIN programmes p "
                "ON p.id = r.programme_id AND r.release_version = p.release_version"
            )
        )
    engine.dispose()
    return int(found or 0)


def baseline(url: str, count: int) -> float:
    from surveys.db.session import Database
    from surveys.reports.precompute import precompute

    db = Database(url)
    ids = list(range(1, count + 1))
    cpu, started = time.process_time(), time.perf_counter()
    done = precompute(db, ids, default_k=5)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.dispose()
    each = wall / max(done, 1)
    print(
        f"  old sequential release step on {done} programmes: {wall:.1f} s "
        f"({each:.2f} s and {cpu / max(done, 1):.2f} s CPU each; "
        f"{FIRMS * PER_FIRM} programmes would take ~{each * FIRMS * PER_FIRM:.0f} s)  "
        f"load {load()}",
        flush=True,
    )
    return each * FIRMS * PER_FIRM


def workers_ready(log_dir: Path, processes: int) -> bool:
    text_ = "".join(p.read_text(errors="replace") for p in log_dir.glob("worker-*.log"))
    return text_.count("is ready for action") >= processes


def run_workers(url: str, redis_url: str, log_dir: Path, timeout: float) -> float:
    from dramatiq.brokers.redis import RedisBroker

    from surveys.intake.keys import generate as generate_keys
    from tests.support.worker_processes import WorkerProcesses
    from workers.actors.reports import QUEUE, store_programme_reports
    from workers.broker import build_broker
    from workers.heartbeat import queue_namespace

    workers = WorkerProcesses(
        redis_url, url, log_dir, queues=(QUEUE,), threads=2, env=dict(generate_keys())
    )
    namespace = queue_namespace()
    broker = build_broker(redis_url, namespace)
    assert isinstance(broker, RedisBroker)
    broker.declare_queue(QUEUE)
    try:
        procs = [workers.start(), workers.start()]
        deadline = time.monotonic() + 120
        while not workers_ready(log_dir, 2) and time.monotonic() < deadline:
            time.sleep(0.2)
        engine = create_engine(url)
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT id, release_version FROM programmes")).all()
        engine.dispose()
        wanted = len(versions) * STORED
        rounds: list[float] = []
        for label in ("release", "redelivery (nothing changed)"):
            cpu0 = sum(group_cpu(p.pid) for p in procs)
            started = time.perf_counter()
            for programme_id, version in versions:
                broker.enqueue(store_programme_reports.message(programme_id, version))
            while time.perf_counter() - started < timeout:
                queued = broker.client.hlen(f"{namespace}:{QUEUE}.msgs")
                if stored_count(url) >= wanted and queued == 0:
                    break
                if "Retries exceeded" in workers.logs():
                    raise SystemExit(f"a message failed:\n{workers.logs()}")
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
            cpu = sum(group_cpu(p.pid) for p in procs) - cpu0
            done = stored_count(url)
            verdict = "ok" if elapsed < 60 and done >= wanted else "OVER 60 s / not all stored"
            print(
                f"  {label}: {len(versions)} messages, {done}/{wanted} reports stored in "
                f"{elapsed:.1f} s on two worker processes ({verdict}); workers' CPU "
                f"{cpu:.1f} s = {cpu / len(versions):.3f} s per programme  load {load()}",
                flush=True,
            )
            rounds.append(elapsed)
        return rounds[0]
    finally:
        workers.stop_all()
        broker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=8, help="programmes, old step")
    parser.add_argument("--cold", type=int, default=10, help="first views per page")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    from surveys.db import migrate
    from tests.support.redis_server import RedisServer

    dash.FIRMS, dash.PROGRAMMES_PER_FIRM = FIRMS, PER_FIRM
    dash.admin_execute(f'CREATE DATABASE "{NAME}"')
    url = make_url(dash.ADMIN_URL).set(database=NAME).render_as_string(hide_password=False)
    started = time.perf_counter()
    redis: Any = None
    try:
        with tempfile.TemporaryDirectory() as work:
            instance, logs = Path(work, "instance"), Path(work, "logs")
            instance.mkdir()
            logs.mkdir()
            redis = RedisServer(Path(work, "redis"))
            Path(work, "redis").mkdir()
            redis.start()
            migrate.upgrade(url)
            print(f"generating {args.responses:,} responses into {NAME} ...", flush=True)
            dash.fill(url, args.responses, 0, first=True)
            print(f"release 1 of all {FIRMS * PER_FIRM} programmes; baseline  load {load()}")
            bump(url)
            sequential = baseline(url, args.baseline)
            print("release 2 of all programmes: first views before the workers stored them")
            bump(url)
            dash.report(dash.measure_cold(url, args.cold, str(instance), stored=True))
            print("the release step on two worker processes")
            parallel = run_workers(url, redis.url, logs, args.timeout)
            print(f"  speed-up against the old sequential step: x {sequential / parallel:.1f}")
            print(f"first views after the reports are stored ({args.cold} per page)")
            p95s = dash.report(dash.measure_cold(url, args.cold, str(instance), stored=True))
            worst = max(v for k, v in p95s.items() if k != dash.PAGES[0][0])
            print(f"  worst page p95 {worst * 1000:.1f} ms (target < 150 ms)  load {load()}")
    finally:
        if redis is not None:
            redis.stop()
        dash.admin_execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')  # our own name
    print(f"total {time.perf_counter() - started:.0f} s; {NAME} dropped  load {load()}")


if __name__ == "__main__":
    main()
