"""Benchmark: response submitted -> released aggregate, through Redis and `dramatiq` workers.

    python bench/pipeline.py [--rate 200] [--seconds 20] [--processes 2] [--threads 4]

Talks only to loopback: a fresh PostgreSQL database (dropped at the end), a
private redis-server on a free port (or --redis-url), separate `dramatiq
workers` processes and the clock process, with release batching off. It prints

1. the throughput of a no-op actor (a queue pre-filled, then drained by the workers);
2. the aggregation throughput: responses aggregated per second (receipts counted)
   from a pre-filled backlog of response.submitted messages;
3. the latency from commit to the commit that updated the released cells, at a
   sustained --rate of submissions per second, each nudging the relay as the web
   process does (observed by polling the consumer's receipts every 10 ms); the load comes from
   --generators threads, each a psycopg connection inserting a submission's rows in
   one statement;

and the ratio of (2) to (1). Targets (PRODUCT.md 3): p95 < 1 s at 200/s; ratio >= 0.3.
Not a test: numbers depend on the machine and on whatever else runs on it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drain_rate(client: object, queue: str, total: int, timeout: float) -> tuple[float, float]:
    """Poll a pre-filled queue until empty: (messages/s from the first one taken, seconds)."""
    from workers.broker import namespace

    key = f"{namespace}:{queue}.msgs"
    first_at = first_left = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = int(client.hlen(key))  # type: ignore[attr-defined]
        now = time.monotonic()
        if first_at is None and left < total:
            first_at, first_left = now, left
        if left == 0 and first_at is not None:
            elapsed = now - first_at
            return (first_left or 0) / elapsed if elapsed else 0.0, elapsed
        time.sleep(0.005)
    raise SystemExit(f"bench: queue {queue} did not drain within {timeout:.0f}s")


#: The rows of one submission (response, answers, outbox event) in one statement: the
#: load generator must cost as little as possible on the machine it measures.
SUBMIT = """
WITH r AS (
  INSERT INTO responses (id, survey_key, survey_version, submitted_on, firm_id, programme_id,
                         role, level_band, tenure_band, gender_group)
  VALUES (%(id)s, 'mentor_pulse', 1, DATE '2026-02-02', %(firm)s, %(programme)s, 'mentor',
          'junior', '2-5y', %(gender)s)
  RETURNING id
), a AS (
  INSERT INTO answers (response_id, question_key, item, value)
  SELECT r.id, q.k, q.i, q.v FROM r, (VALUES ('useful', '', %(useful)s::int),
    ('again', '', %(again)s::int), ('topics', 'clients', NULL::int)) AS q(k, i, v)
)
INSERT INTO outbox_events (topic, payload, created_at, attempts)
SELECT 'response.submitted', %(payload)s::json, now(), 0 FROM r
RETURNING id
"""


def start_clock(redis_url: str, db_url: str, tmp: Path) -> subprocess.Popen[bytes]:
    """The Procfile's clock: sweeps (and purges handled rows from) the outbox every 5 s."""
    env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}
    with open(tmp / "clock.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "workers.scheduler"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def handled_rate(db: Any, total: int, timeout: float) -> tuple[float, float]:
    """Poll the consumer's receipts until all ``total`` responses are aggregated:
    (responses/s from the first one handled, seconds)."""
    from sqlalchemy import func, select

    from surveys import aggregates
    from surveys.db.models import ProcessedEvent

    query = select(func.count()).where(ProcessedEvent.consumer == aggregates.CONSUMER)
    first_at = first_done = None
    deadline = time.monotonic() + timeout
    with db.sessions() as session:
        while time.monotonic() < deadline:
            done = int(session.scalar(query) or 0)
            session.rollback()
            now = time.monotonic()
            if first_at is None and done > 0:
                first_at, first_done = now, done
            if done >= total and first_at is not None:
                elapsed = now - first_at
                return (total - (first_done or 0)) / elapsed if elapsed else 0.0, elapsed
            time.sleep(0.005)
    raise SystemExit(f"bench: {total} responses were not aggregated within {timeout:.0f}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="submissions per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the load")
    parser.add_argument("--noop-messages", type=int, default=20_000)
    parser.add_argument("--agg-messages", type=int, default=5_000)
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process")
    parser.add_argument("--generators", type=int, default=12, help="submitting threads")
    parser.add_argument("--keep-logs", action="store_true", help="keep worker and clock logs")
    parser.add_argument("--verbose", action="store_true", help="print backlogs every 2 s")
    parser.add_argument("--redis-url", help="use this Redis instead of a private redis-server")
    args = parser.parse_args()
    if args.rate <= 0 or args.seconds <= 0:
        parser.error("--rate and --seconds must be positive")

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.support.redis_server import RedisServer

    name = f"flipside_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    tmp = Path(tempfile.mkdtemp(prefix="flipside-bench-"))
    server = None
    if args.redis_url:
        redis_url = args.redis_url
    else:
        server = RedisServer(tmp)
        server.start()
        redis_url = server.url
    os.environ.update(
        {
            "REDIS_URL": redis_url,
            "DATABASE_URL": db_url,
            "SECRET_KEY": "b" * 40,
            "FLIPSIDE_RELEASE_BATCHING": "off",
        }
    )
    try:
        return run(args, db_url, redis_url, tmp)
    finally:
        if server is not None:
            server.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if args.keep_logs:
            print(f"worker and clock logs: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, db_url: str, redis_url: str, tmp: Path) -> int:
    import psycopg
    from psycopg.types.json import Jsonb
    from sqlalchemy import func, select
    from sqlalchemy.engine import make_url

    from bench.noop import QUEUE as NOOP_QUEUE
    from bench.noop import noop
    from surveys import aggregates, outbox
    from surveys.db import migrate
    from surveys.db.models import AggregateCell, ProcessedEvent
    from surveys.db.session import Database
    from tests.support import factories as f
    from tests.support.submissions import insert_submission
    from tests.support.worker_processes import WorkerProcesses
    from workers import runtime
    from workers.actors.relay import make_publisher, relay_outbox
    from workers.broker import broker
    from workers.health import redis_queue_stats
    from workers.runtime import Nudger

    pg_dsn = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    migrate.upgrade(db_url)
    db = Database(db_url, pool_size=10)
    runtime.configure(runtime.settings(), db)
    with db.transaction() as session:
        programme = f.programme(session)
        ids = (programme.firm_id, programme.id)
    client = broker.client  # type: ignore[attr-defined]
    procs = WorkerProcesses(
        redis_url,
        db_url,
        tmp,
        processes=args.processes,
        threads=args.threads,
        env={"FLIPSIDE_RELEASE_BATCHING": "off"},
    )
    shape = f"{args.processes} worker processes x {args.threads} threads"
    print(f"flipside pipeline bench: PostgreSQL + Redis, {shape}, release batching off")

    # 1. The yardstick: a no-op actor draining a pre-filled queue.
    for i in range(args.noop_messages):
        noop.send(i)
    noop_procs = WorkerProcesses(
        redis_url,
        db_url,
        tmp,
        queues=(NOOP_QUEUE,),
        processes=args.processes,
        threads=args.threads,
        modules=("bench.noop",),
    )
    noop_procs.start()
    noop_rate, noop_secs = drain_rate(client, NOOP_QUEUE, args.noop_messages, 300)
    noop_procs.stop_all()
    print(
        f"no-op actor:        {noop_rate:8.0f} messages/s "
        f"({args.noop_messages} queued, drained in {noop_secs:.1f}s)"
    )

    # 2. Aggregation, measured the same way: pre-filled response.submitted messages.
    for start in range(0, args.agg_messages, 200):
        with db.transaction() as session:
            for i in range(start, min(args.agg_messages, start + 200)):
                insert_submission(
                    session,
                    *ids,
                    answers={"useful": 1 + i % 5, "topics": ["clients"]},
                    role=("mentor", "mentee")[i % 2],
                )
    outbox.relay_pending(db, make_publisher(broker), max_batches=10_000)
    procs.start()
    clock = start_clock(redis_url, db_url, tmp)
    agg_rate, agg_secs = handled_rate(db, args.agg_messages, 600)
    left = int(client.hlen(f"{broker.namespace}:aggregation.msgs"))  # type: ignore[attr-defined]
    msg_rate, msg_secs = drain_rate(client, "aggregation", left, 600) if left else (0.0, 0.0)
    print(
        f"aggregation:        {agg_rate:8.0f} responses/s "
        f"({args.agg_messages} queued, all aggregated in {agg_secs:.1f}s; batches of up to 200)"
    )
    print(
        f"  then the {left} messages left (events already handled) drained at "
        f"{msg_rate:.0f} messages/s"
    )
    print(f"ratio aggregation / no-op: {agg_rate / noop_rate:.2f}  (target >= 0.3)")

    # 3. Latency at a sustained rate, each commit nudging the relay like the web process.
    nudge = Nudger(relay_outbox.send)
    committed: dict[int, float] = {}
    seen: dict[int, float] = {}
    lock = threading.Lock()
    total = int(args.rate * args.seconds)
    generators = args.generators
    stop_polling = threading.Event()
    late = [0]

    def generate(offset: int) -> None:
        conn = psycopg.connect(pg_dsn)
        t0 = start_at
        for i in range(offset, total, generators):
            due = t0 + i / args.rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            elif pause < -0.05:
                late[0] += 1
            response_id = uuid.uuid4()
            with conn.transaction():
                row = conn.execute(
                    SUBMIT,
                    {
                        "id": response_id,
                        "firm": ids[0],
                        "programme": ids[1],
                        "gender": ("woman", "man")[i % 2],
                        "useful": 1 + i % 5,
                        "again": i % 2,
                        "payload": Jsonb({"response_id": str(response_id)}),
                    },
                    prepare=True,
                ).fetchone()
            nudge()  # after commit, as outbox.on_commit does in the web process
            now = time.monotonic()
            assert row is not None
            with lock:
                committed[row[0]] = now
                waiting.add(row[0])
        conn.close()

    waiting: set[int] = set()

    def poll() -> None:
        with db.sessions() as session:
            while not stop_polling.is_set():
                with lock:
                    ids_now = list(waiting)
                if ids_now:
                    rows = session.scalars(
                        select(ProcessedEvent.event_id).where(
                            ProcessedEvent.consumer == aggregates.CONSUMER,
                            ProcessedEvent.event_id.in_(ids_now),
                        )
                    ).all()
                    session.rollback()
                    now = time.monotonic()
                    with lock:
                        for event_id in rows:
                            seen[event_id] = now
                            waiting.discard(event_id)
                time.sleep(0.01)

    def monitor() -> None:
        while not stop_polling.wait(2.0):
            with db.sessions() as session:
                backlog = outbox.backlog(session)
            depth = {
                q.name: q.ready + q.in_progress
                for q in redis_queue_stats(broker, ["aggregation", "outbox"])
            }  # type: ignore[arg-type]
            print(
                f"  t={time.monotonic() - start_at:5.1f}s unpublished {backlog.unpublished:5d} "
                f"in flight {backlog.in_flight:5d} queue aggregation {depth['aggregation']:5d} "
                f"outbox {depth['outbox']:3d} waiting {len(waiting):5d}",
                flush=True,
            )

    if args.verbose:
        threading.Thread(target=monitor, daemon=True).start()
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    start_at = time.monotonic() + 0.5
    threads = [threading.Thread(target=generate, args=(g,)) for g in range(generators)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load_secs = time.monotonic() - start_at
    deadline = time.monotonic() + 60
    while len(seen) < total and time.monotonic() < deadline:
        time.sleep(0.05)
    stop_polling.set()
    poller.join(timeout=5)
    procs.stop_all()
    clock.terminate()
    clock.wait(timeout=20)

    latencies = [seen[e] - committed[e] for e in seen]
    print(
        f"load:               {total} submissions in {load_secs:.1f}s = {total / load_secs:.0f}/s "
        f"(target {args.rate:.0f}/s; {late[0]} started >50 ms late)"
    )
    if latencies:
        p50, p95, p99 = (percentile(latencies, q) for q in (0.50, 0.95, 0.99))
        print(
            f"commit -> released: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms, "
            f"mean {statistics.mean(latencies) * 1000:.0f} ms  (target p95 < 1000 ms)"
        )
    print(f"unreached after 60 s: {total - len(seen)}")
    with db.sessions() as session:
        unreleased = session.scalar(
            select(func.count()).where(AggregateCell.released_n != AggregateCell.n)
        )
        differences = aggregates.verify(session)
    stats = redis_queue_stats(broker, ["aggregation", "outbox"])  # type: ignore[arg-type]
    dead = sum(q.dead for q in stats)
    print(
        f"check: verify differences {len(differences)}, cells not released {unreleased}, "
        f"dead letters {dead}"
    )
    db.dispose()
    return 0 if not differences and total == len(seen) else 1


if __name__ == "__main__":
    sys.exit(main())
