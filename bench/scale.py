"""Scale benchmark of the mixer: one daily pass over a realistic inbox, at two inbox sizes.

    python bench/scale.py                       # 100 firms x 5,000 people (long)
    python bench/scale.py --firms 4 --people 2000   # a quick run

For each of two inbox sizes (--firms, then twice as many firms) a throwaway
PostgreSQL database (unique name, dropped at the end) receives, generated
straight into ``sealed_submissions`` with COPY (real, distinct sealed boxes):

- per firm, one programme; a weekly pulse week that has just ended, answered by
  --rate of its --people (the pass releases it);
- the current, open pulse week with --open rows per firm (below k per week:
  waits unread);
- a closing climate round (closed the day of the pass) answered by --rate of
  the people (released by the same pass).

Then, each in a fresh subprocess (so peak memory is the pass's own):

1. baseline: read every due sealed row and delete it by id in one transaction,
   rolled back (what a pass does besides opening, planning, inserting, counting);
2. the daily pass (:func:`surveys.intake.mixing.mix_now`): rows/s released,
   CPU seconds per row (``resource.getrusage``), peak RSS (``ru_maxrss``).

Targets (issue 25): >= 2,000 rows/s per process; peak memory < 500 MB whatever
the inbox holds (compare the two sizes). Prints ``/proc/loadavg`` beside.

Left out: a year of history (released responses and aggregates already stored
from 52 earlier weeks: the pass's inserts go into small tables here), concurrent
submissions and web traffic during the pass, several mixer processes, the
release precompute after the pass, and the demo's real invitations (rows are
sealed directly, as ``submit_response`` would write them).
Not a test: numbers depend on the machine and on whatever else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
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
ENDED_WEEK = date(2026, 2, 2)  # week 2026-W06
OPEN_WEEK = date(2026, 2, 9)  # week 2026-W07, the pass's week
TODAY = date(2026, 2, 10)
K = 5
COHORTS = [
    (role, level, tenure, gender)
    for role in ("mentor", "mentee")
    for level in ("junior", "senior")
    for tenure in ("<2y", "2-5y", "5-10y")
    for gender in ("woman", "man")
]
PULSE: dict[str, Any] = {
    "useful": 4,
    "heard": 5,
    "recommend": 9,
    "again": 1,
    "topics": ["workload", "technology"],
    "comment": "Helpful conversation.",
}


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def generate(db: Any, pg_dsn: str, args: argparse.Namespace, firms: int) -> int:
    """Fill the inbox; returns the number of rows the pass can release."""
    from sqlalchemy import update

    from bench.mixer import copy_rows
    from surveys.db.models import SurveyRound
    from tests.support import factories as f
    from tests.support.submissions import sealed_rows

    due = 0
    for _ in range(firms):
        with db.transaction() as session:
            programme = f.programme(session)
            ids = (programme.firm_id, programme.id)
            climate = SurveyRound(
                programme_id=programme.id,
                survey_key="mentor_pulse",
                survey_version=1,
                label="climate",
                opened_on=date(2026, 1, 12),
                closes_on=TODAY,
            )
            session.add(climate)
            session.flush()
            round_id = climate.id
        answered = int(args.people * args.rate)
        due += copy_rows(
            pg_dsn, sealed_rows(*ids, answered, PULSE, day=ENDED_WEEK, cohorts=COHORTS)
        )
        copy_rows(pg_dsn, sealed_rows(*ids, args.open, PULSE, day=OPEN_WEEK, cohorts=COHORTS))
        due += copy_rows(
            pg_dsn, sealed_rows(*ids, answered, PULSE, round_id=round_id, cohorts=COHORTS)
        )
        with db.transaction() as session:
            session.execute(
                update(SurveyRound).where(SurveyRound.id == round_id).values(closed=True)
            )
    return due


def measure(db_url: str, mode: str) -> dict[str, Any]:
    """In this (fresh) process: the baseline or the pass; figures as a dict."""
    from sqlalchemy import delete, select

    from surveys.db.models import SealedSubmission
    from surveys.db.session import Database
    from surveys.intake.due import due_periods, inbox
    from surveys.intake.mixing import mix_now
    from tests.support.sealing import keys_for_tests

    db = Database(db_url)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if mode == "baseline":
        with db.sessions() as session:
            due = due_periods(session, inbox(session), TODAY, K)
            rows = session.execute(
                select(SealedSubmission.id, SealedSubmission.sealed).where(
                    SealedSubmission.period.in_(due)
                )
            ).all()
            ids = [row.id for row in rows]
            for start in range(0, len(ids), 5000):
                session.execute(
                    delete(SealedSubmission)
                    .where(SealedSubmission.id.in_(ids[start : start + 5000]))
                    .execution_options(synchronize_session=False)
                )
            session.flush()
            session.rollback()
        count = len(ids)
    else:
        count = mix_now(db, keys_for_tests(), default_k=K, today=TODAY).released
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    db.dispose()
    return {"rows": count, "wall": wall, "cpu": cpu, "peak_mb": after.ru_maxrss / 1024}


def child(db_url: str, mode: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", mode, "--db", db_url],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{mode} failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def one_size(args: argparse.Namespace, firms: int) -> tuple[float, float]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from surveys.db import migrate
    from surveys.db.session import Database

    name = f"flipside_bench_scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    db_url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    pg_dsn = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    db = None
    try:
        migrate.upgrade(db_url)
        db = Database(db_url)
        started = time.perf_counter()
        due = generate(db, pg_dsn, args, firms)
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE sealed_submissions")
            )
        total = due + firms * args.open
        print(
            f"\n{firms} firms x {args.people} people: {total} sealed rows ({due} due: an ended "
            f"pulse week and a closed climate round; {firms * args.open} in the open week) "
            f"generated in {time.perf_counter() - started:.0f}s"
        )
        base = child(db_url, "baseline")
        print(f"  load {_loadavg()}")
        mixed = child(db_url, "pass")
        print(f"  load {_loadavg()}")
        for label, r in (("baseline (read + delete)", base), ("daily mixer pass", mixed)):
            print(
                f"  {label:25} {r['rows']:7d} rows {r['wall']:6.1f}s "
                f"{r['rows'] / r['wall']:7.0f} rows/s  "
                f"CPU {1000 * r['cpu'] / max(r['rows'], 1):.3f} ms/row  "
                f"peak RSS {r['peak_mb']:.0f} MB"
            )
        rate = mixed["rows"] / mixed["wall"]
        print(
            f"  ratio pass / baseline rows/s: {rate / (base['rows'] / base['wall']):.2f}; "
            f"released {mixed['rows']} of {due} due (target >= 2,000 rows/s, < 500 MB)"
        )
        return rate, float(mixed["peak_mb"])
    finally:
        if db is not None:
            db.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--firms", type=int, default=100, help="firms of the smaller inbox")
    parser.add_argument("--people", type=int, default=5000, help="people per firm")
    parser.add_argument("--rate", type=float, default=0.6, help="share answering")
    parser.add_argument("--open", type=int, default=4, help="rows per firm in the open week")
    parser.add_argument("--measure", choices=["baseline", "pass"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # the parent's keys, inherited through the environment
        from tests.support.keys import KEYS as mine

        mine.update({name: os.environ[name] for name in mine})
        print(json.dumps(measure(args.db, args.measure)))
        return 0
    if args.firms <= 0 or args.people <= 0 or not 0 < args.rate <= 1 or args.open >= K:
        parser.error("--firms, --people > 0; 0 < --rate <= 1; --open below k (5)")
    from tests.support.keys import KEYS

    os.environ.update(KEYS)  # before keys_for_tests: the child processes inherit them
    print(f"flipside scale bench: PostgreSQL, k = {K}, pass on {TODAY}; load {_loadavg()}")
    small = one_size(args, args.firms)
    large = one_size(args, 2 * args.firms)
    print(
        f"\npeak memory at {args.firms} / {2 * args.firms} firms: {small[1]:.0f} / "
        f"{large[1]:.0f} MB (x{large[1] / small[1]:.2f} for x2 rows); rows/s "
        f"{small[0]:.0f} / {large[0]:.0f}; load {_loadavg()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
