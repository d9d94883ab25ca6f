"""Benchmark: sealed submissions opened, batched and aggregated per second by one mixer pass.

    python bench/mixer.py [--rows 30000]          # default run, well under 3 minutes
    python bench/mixer.py --million [--due 20000]  # 1,000,000 waiting, one period due

Runs in this one process (what one worker process does when the clock's
``mix_submissions`` message arrives) against a throwaway PostgreSQL database,
dropped at the end. Sealed rows are generated with PyNaCl and written with COPY.

Default: --rows sealed submissions of distinct people in 8 cohorts of one ended
week (everything due). It prints

1. the no-op baseline, measured in the same run on the same rows: one transaction
   that reads them and deletes them by id (what a pass does besides opening,
   planning, inserting and aggregating), rolled back;
2. the mixer pass (``mix_now``): rows/s, and the ratio of (2) to (1);
3. a check: the inbox is empty, responses stored == rows, ``aggregates.verify`` clean.

Target (PRODUCT.md 3): at least 2,000 sealed submissions/s per process.

``--million``: 1,000,000 sealed rows waiting: --due rows in one ended week (real,
distinct seals), the rest in open climate rounds holding 4 rows each (k = 5:
none can release; they are copies of genuine sealed boxes, as the pass must not
open them). It prints the time a scheduled pass takes to release the due week
(the pass commits once: the period's release time is the pass time), how many
rows it opened, and what opening the whole inbox would cost at the measured
rate. Target: a period released within 60 s with 1,000,000 waiting.
Not a test: numbers depend on the machine and on whatever else runs on it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
#: The sealed rows' week (it has ended by any "today" the bench runs on).
DAY = date(2026, 2, 2)
K = 5
COHORTS = [
    (role, level, tenure, gender)
    for role in ("mentor", "mentee")
    for level in ("junior", "senior")
    for tenure in ("2-5y",)
    for gender in ("woman", "man")
]
ANSWERS: dict[str, Any] = {
    "useful": 4,
    "heard": 5,
    "recommend": 9,
    "again": 1,
    "topics": ["workload", "technology"],
    "comment": "Helpful conversation.",
}


def copy_rows(pg_dsn: str, rows: Any) -> int:
    """COPY (id, period, sealed) rows into sealed_submissions; returns how many."""
    import psycopg

    count = 0
    with psycopg.connect(pg_dsn) as conn, conn.cursor() as cur:
        with cur.copy("COPY sealed_submissions (id, period, sealed) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((row["id"], row["period"], row["sealed"]))
                count += 1
    return count


def noop_pass(db: Any) -> float:
    """Read every sealed row and delete them by id, in one transaction, rolled back."""
    from sqlalchemy import delete, select

    from surveys.db.models import SealedSubmission

    started = time.perf_counter()
    with db.sessions() as session:
        rows = session.execute(select(SealedSubmission.id, SealedSubmission.sealed)).all()
        ids = [row.id for row in rows]
        for start in range(0, len(ids), 5000):
            session.execute(
                delete(SealedSubmission)
                .where(SealedSubmission.id.in_(ids[start : start + 5000]))
                .execution_options(synchronize_session=False)
            )
        session.flush()
        elapsed = time.perf_counter() - started
        session.rollback()
    return elapsed


def default_run(args: argparse.Namespace, db: Any, pg_dsn: str, ids: tuple[int, int]) -> int:
    from sqlalchemy import func, select

    from surveys import aggregates
    from surveys.db.models import Response, SealedSubmission
    from surveys.intake.mixing import mix_now
    from tests.support.sealing import keys_for_tests
    from tests.support.submissions import sealed_rows

    started = time.perf_counter()
    copy_rows(pg_dsn, sealed_rows(*ids, args.rows, ANSWERS, day=DAY, cohorts=COHORTS))
    print(f"generated {args.rows} sealed rows in {time.perf_counter() - started:.1f}s")
    noop_secs = noop_pass(db)
    noop_rate = args.rows / noop_secs
    print(f"no-op (read + delete, rolled back): {noop_rate:9.0f} rows/s ({noop_secs:.2f}s)")
    started = time.perf_counter()
    report = mix_now(db, keys_for_tests(), default_k=K)
    secs = time.perf_counter() - started
    rate = report.released / secs
    print(
        f"mixer pass:                         {rate:9.0f} rows/s ({secs:.2f}s: "
        f"{report.released} released in {report.batches} batches, {report.waiting} waiting)"
    )
    print(f"ratio mixer / no-op: {rate / noop_rate:.2f}; target >= 2,000 rows/s per process")
    with db.sessions() as session:
        left = session.scalar(select(func.count()).select_from(SealedSubmission))
        stored = session.scalar(select(func.count()).select_from(Response))
        differences = aggregates.verify(session)
    print(f"check: sealed left {left}, responses {stored}, verify differences {len(differences)}")
    return 0 if left == 0 and stored == args.rows and not differences else 1


def million_run(args: argparse.Namespace, db: Any, pg_dsn: str, ids: tuple[int, int]) -> int:
    from sqlalchemy import text

    from surveys.intake.mixing import mix_now
    from tests.support.sealing import keys_for_tests
    from tests.support.submissions import sealed_rows

    total, due = 1_000_000, args.due
    started = time.perf_counter()
    copy_rows(pg_dsn, sealed_rows(*ids, due, ANSWERS, day=DAY, cohorts=COHORTS))
    # Waiting rows: 4 per open round (no round can reach k = 5), copies of real boxes.
    pool = [list(sealed_rows(*ids, 4, ANSWERS, round_id=r)) for r in range(1, 201)]
    waiting = total - due

    def waiting_rows() -> Any:
        for i in range(waiting):
            box = pool[(i // 4) % len(pool)][i % 4]["sealed"]
            yield {"id": uuid.uuid4(), "period": f"round:{1_000_000 + i // 4}", "sealed": box}

    copy_rows(pg_dsn, waiting_rows())
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE sealed_submissions")
        )
    print(
        f"generated {total} sealed rows ({due} in week 2026-W06, ended; {waiting} in "
        f"{waiting // 4} open rounds of 4) in {time.perf_counter() - started:.0f}s"
    )
    started = time.perf_counter()
    report = mix_now(db, keys_for_tests(), default_k=K)
    secs = time.perf_counter() - started
    print(
        f"scheduled pass: the due week released in {secs:.1f}s (one transaction: "
        f"{report.released} released in {report.batches} batches, {report.waiting} still "
        f"waiting unread); target < 60 s"
    )
    rate = report.released / secs
    print(
        f"  {rate:.0f} rows/s released; opening all {total} rows each pass would take "
        f"about {total / rate:.0f}s at that rate"
    )
    started = time.perf_counter()
    again = mix_now(db, keys_for_tests(), default_k=K)
    print(
        f"next pass with nothing due: {time.perf_counter() - started:.1f}s "
        f"({again.released} released, {again.waiting} waiting)"
    )
    return 0 if report.released == due and report.waiting == waiting else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=30_000, help="sealed rows (default run)")
    parser.add_argument("--million", action="store_true", help="1,000,000 waiting, one due")
    parser.add_argument("--due", type=int, default=20_000, help="rows of the due week (--million)")
    args = parser.parse_args()
    if args.rows <= 0 or not 0 < args.due < 1_000_000:
        parser.error("--rows and --due must be positive (--due below 1,000,000)")

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tests.support.keys import KEYS

    os.environ.update(KEYS)
    from surveys.db import migrate
    from surveys.db.session import Database
    from tests.support import factories as f

    name = f"flipside_bench_mixer_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    db_url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    pg_dsn = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    db = None
    try:
        migrate.upgrade(db_url)
        db = Database(db_url)
        with db.transaction() as session:
            programme = f.programme(session)
            ids = (programme.firm_id, programme.id)
        mode = "--million" if args.million else f"{args.rows} rows"
        print(f"flipside mixer bench: PostgreSQL, one process, k = {K}, {mode}")
        run = million_run if args.million else default_run
        return run(args, db, pg_dsn, ids)
    finally:
        if db is not None:
            db.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
