"""The PostgreSQL mode of bench/export.py: a real database, the export built by the worker.

A database ``flipside_bench_<hex>`` is created on the admin URL, migrated,
filled with COPY, and dropped at the end. The baseline reads the same rows
with psycopg (a server-side cursor) into one plain CSV; the bundle is
requested through the export service and built by the ``build_export`` actor
on a Dramatiq worker (the embedded in-memory broker), after the relay publishes
the outbox event: the path a real request takes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def database(admin_url: str) -> Iterator[str]:
    """A fresh database's SQLAlchemy URL, dropped on exit."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"flipside_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def libpq(url: str) -> str:
    """The psycopg connection string of a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def generate(url: str, responses: int) -> dict[str, int]:
    """``responses`` responses and their answers, written with COPY."""
    import psycopg
    from export import ANSWER_COLUMNS, RESPONSE_COLUMNS, records, setup

    ids = setup(url)
    with psycopg.connect(libpq(url)) as conn:
        for batch_r, batch_a in records(responses, ids):
            with conn.cursor() as cur:
                with cur.copy(f"COPY responses ({RESPONSE_COLUMNS}) FROM STDIN") as copy:
                    for row in batch_r:
                        copy.write_row(row)
                with cur.copy(f"COPY answers ({ANSWER_COLUMNS}) FROM STDIN") as copy:
                    for row in batch_a:
                        copy.write_row(row)
            conn.commit()
        conn.execute("ANALYZE")
    return ids


BASELINE = r"""
import csv, json, resource, sys, time
import psycopg
dsn, out = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
rows = 0
with psycopg.connect(dsn) as conn, open(out, "w", newline="") as f:
    writer = csv.writer(f)
    for survey in ("climate", "mentee_pulse", "mentor_pulse"):
        columns = sorted(q for (q,) in conn.execute(
            "SELECT DISTINCT a.question_key"
            " || CASE WHEN a.item <> '' THEN '_' || a.item ELSE '' END"
            " FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.survey_key = %s",
            (survey,)))
        writer.writerow(["id", "period", "role", "level_band", "tenure_band",
                         "gender_group", *columns])
        index = {c: i for i, c in enumerate(columns)}
        current, row, meta = None, None, None
        with conn.cursor(name="plain") as cur:
            cur.itersize = 20000
            cur.execute(
                "SELECT r.id, r.period_kind || ':' || r.period, r.role, r.level_band, "
                "r.tenure_band, r.gender_group, a.question_key, a.item, a.value FROM responses r "
                "JOIN answers a ON a.response_id = r.id WHERE r.survey_key = %s ORDER BY r.id",
                (survey,))
            for rid, day, role, lb, tb, gg, q, item, value in cur:
                if rid != current:
                    if row is not None:
                        writer.writerow([*meta, *row]); rows += 1
                    current, meta, row = rid, (rid, day, role, lb, tb, gg), [None] * len(columns)
                row[index[q + ("_" + item if item else "")]] = value if not item else 1
        if row is not None:
            writer.writerow([*meta, *row]); rows += 1
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall": wall, "rows": rows, "peak_mb": peak}))
"""

WORKER = r"""
import json, os, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
os.environ.pop("REDIS_URL", None)  # the embedded broker
url, instance, ids = sys.argv[1], sys.argv[2], json.loads(sys.argv[4])
from dramatiq import Worker
from surveys import outbox
from surveys.db.models import ExportRequest, Firm
from surveys.db.session import Database
from surveys.intake.keys import generate
from surveys.services import exports as svc
from surveys.services.accounts import create_account
from surveys.settings import load_settings
from workers import runtime
from workers.actors.exports import QUEUE
from workers.actors.relay import make_publisher
from workers.broker import broker
# A worker imports pandas, pyarrow and pyreadstat once for all its exports: not timed here.
import surveys.export.statfiles, surveys.export.writers
settings = load_settings({**generate(), "SECRET_KEY": "b" * 40, "DATABASE_URL": url,
                          "FLIPSIDE_INSTANCE_PATH": instance})
db = Database(url)
runtime.configure(settings, db)
with db.transaction() as session:
    firm = session.get(Firm, ids["firm"])
    account = create_account(session, "bench@example.com", "correct horse battery",
                             "researcher", [firm])
    wanted = svc.ScopeInput(firm_ids=(firm.id,),
                            survey_keys=("climate", "mentee_pulse", "mentor_pulse"))
    export_id = svc.request_export(session, account, wanted).id
worker = Worker(broker, worker_threads=1, worker_timeout=100)
worker.start()
t0 = time.perf_counter()
outbox.relay_pending(db, make_publisher(broker))
broker.join(QUEUE, timeout=3_600_000)
wall = time.perf_counter() - t0
worker.stop()
with db.sessions() as session:
    export = session.get(ExportRequest, export_id)
    assert export is not None and export.status == "done", (export.status, export.message)
    rows, name = export.rows_total, export.file_name
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
size = (svc.exports_folder(settings.instance_path) / name).stat().st_size / 1e6
print(json.dumps({"wall": wall, "rows": rows, "peak_mb": peak, "zip_mb": size}))
"""
