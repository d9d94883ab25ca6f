"""How long the full demo takes to generate (target: under a minute), on SQLite and PostgreSQL.

Migrates a fresh database, runs the same load_demo as ``flipside demo`` in one
transaction (every answer sealed through the real submission path on its day,
with the clock's daily jobs -- close due rounds, one mixer pass -- in between)
and prints the time and what was made: responses stored by the mixer, and
sealed submissions still waiting for k people. PostgreSQL is used when
reachable (a database created and dropped by this script).

    .venv/bin/python bench/demo.py [--sqlite-only]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from surveys.db import migrate  # noqa: E402
from surveys.db.models import (  # noqa: E402
    Meeting,
    Person,
    Response,
    SealedSubmission,
    SurveyInvitation,
)
from surveys.db.session import Database  # noqa: E402
from surveys.services.demo import load_demo  # noqa: E402

PG_ADMIN = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def measure(url: str, label: str) -> None:
    migrate.upgrade(url)
    db = Database(url)
    started = time.perf_counter()
    with db.transaction() as session:
        load_demo(session, "bench-secret-" + "x" * 30)
    elapsed = time.perf_counter() - started
    with db.sessions() as session:
        counts = {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Person, Meeting, SurveyInvitation, Response, SealedSubmission)
        }
    db.dispose()
    made = ", ".join(f"{n} {name.lower()}s" for name, n in counts.items())
    made = made.replace("sealedsubmissions", "sealed submissions waiting")
    verdict = "OK" if elapsed < 60 else "SLOWER THAN TARGET"
    print(f"{label:<10} full demo generated in {elapsed:6.1f} s ({made}); target < 60 s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(f"sqlite:///{folder}/demo.sqlite3", "SQLite")
    if args.sqlite_only:
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"flipside_bench_demo_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and carries on
        print(f"PostgreSQL skipped: {exc.__class__.__name__}")
        return
    try:
        url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
        measure(url, "PostgreSQL")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
