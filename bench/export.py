"""A research export of 1,000,000 responses: wall time, rows/s and peak memory of the bundle.

Generates the responses (and their answers) straight into a fresh SQLite file
(or, with ``--postgres``, a PostgreSQL database created and dropped here: see
``bench/export_pg.py``, where the export worker builds the bundle), then, each
in a subprocess of its own so peak memory (``ru_maxrss``) is the job's alone:

* **baseline**: the same responses read with the standard library's sqlite3,
  pivoted to one row per response and written as one plain CSV with ``csv``;
* **bundle**: :func:`surveys.export.bundle.build_bundle` -- disclosure plan,
  CSV + Parquet in chunks, SPSS and Stata with labels, codebook, report, zip.

It prints figures and the ratio only; nothing is asserted. Targets (PRODUCT.md
3): peak memory under 500 MB; the whole bundle within 5x the plain CSV write.

Run: python bench/export.py [--responses 1000000] [--keep DIR] [--postgres [ADMIN_URL]]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SURVEYS = {
    "mentor_pulse": (["spoke_openly", "mentee_engaged", "good_use_of_time"], "mentor"),
    "mentee_pulse": (["gained_insight", "will_act", "open_and_honest"], "mentee"),
}
TOPICS = ["technology", "wellbeing", "flexible_working", "career_progression"]
CLIMATE = ["belonging", "can_progress", "flexible_without_stigma", "leaders_understand"]


def setup(url: str) -> dict[str, int]:
    """Migrate ``url`` and add the firm, programme and round via the ORM."""
    from surveys.db import migrate
    from surveys.db.models import Firm, Programme, SurveyRound
    from surveys.db.session import Database

    migrate.upgrade(url)
    db = Database(url)
    with db.transaction() as session:
        firm = Firm(name="Bench & Co", slug="bench")
        session.add(firm)
        session.flush()
        programme = Programme(
            firm_id=firm.id, name="Bench", starts_on=date(2024, 1, 1), status="active"
        )
        session.add(programme)
        session.flush()
        round_ = SurveyRound(
            programme_id=programme.id,
            survey_key="climate",
            survey_version=1,
            label="baseline",
            opened_on=date(2024, 1, 1),
            closes_on=date(2025, 12, 31),
        )
        session.add(round_)
        session.flush()
        ids = {"firm": firm.id, "programme": programme.id, "round": round_.id}
    db.dispose()
    return ids


RESPONSE_COLUMNS = (
    "id, survey_key, survey_version, period_kind, period, firm_id, programme_id, round_id, "
    "role, level_band, tenure_band, gender_group"
)
ANSWER_COLUMNS = "response_id, question_key, item, value, text"
Batch = tuple[list[tuple[object, ...]], list[tuple[object, ...]]]


def records(responses: int, ids: dict[str, int], seed: int = 20261121) -> Iterator[Batch]:
    """The responses and their answers, in batches of 50,000 responses."""
    from surveys.domain.periods import week_of

    rng = random.Random(seed)
    keys = sorted(uuid.UUID(int=rng.getrandbits(128), version=4).hex for _ in range(responses))
    start = date(2024, 1, 1)
    batch_r: list[tuple[object, ...]] = []
    batch_a: list[tuple[object, ...]] = []
    for key in keys:
        pick = rng.random()
        level = rng.choice(("junior", "junior", "mid", "senior"))
        tenure = rng.choice(("<2y", "2-5y", "5-10y", "10y+"))
        gender = rng.choice(("woman", "man", "woman", "man", "undisclosed", "another"))
        cohort = (level, tenure, gender)
        # Stored as the mixer stores them: a pulse's ISO week, a climate response's round.
        week = week_of(start + timedelta(days=rng.randrange(730)))
        firm, programme, round_id = ids["firm"], ids["programme"], ids["round"]
        if pick < 0.7:
            survey = "mentor_pulse" if pick < 0.35 else "mentee_pulse"
            questions, role = SURVEYS[survey]
            batch_r.append((key, survey, 1, "week", week, firm, programme, None, role, *cohort))
            for q in questions:
                batch_a.append((key, q, "", rng.randint(1, 5), None))
            batch_a.append((key, "recommend_programme", "", rng.randint(0, 10), None))
            for topic in rng.sample(TOPICS, 2):
                batch_a.append((key, "topics", topic, None, None))
        else:
            role = rng.choice(("mentor", "mentee", "comparison", "comparison"))
            batch_r.append(
                (key, "climate", 1, "round", str(round_id), firm, programme, round_id, role)
                + cohort
            )
            for q in CLIMATE:
                batch_a.append((key, q, "", rng.randint(1, 5), None))
            batch_a.append((key, "intend_to_stay", "", rng.randint(1, 5), None))
            batch_a.append((key, "recommend_firm", "", rng.randint(0, 10), None))
            batch_a.append((key, "gender", rng.choice(("woman", "man")), None, None))
            batch_a.append((key, "ethnicity", rng.choice(("white", "asian", "black")), None, None))
        if len(batch_r) >= 50_000:
            yield batch_r, batch_a
            batch_r, batch_a = [], []
    yield batch_r, batch_a


def generate(path: Path, responses: int) -> dict[str, int]:
    """A fresh SQLite file with ``responses`` responses (bulk inserts with executemany)."""
    ids = setup(f"sqlite:///{path}")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    for batch_r, batch_a in records(responses, ids):
        conn.executemany(
            f"INSERT INTO responses ({RESPONSE_COLUMNS}) VALUES ({'?,' * 12}?)", batch_r
        )
        conn.executemany(f"INSERT INTO answers ({ANSWER_COLUMNS}) VALUES (?,?,?,?,?)", batch_a)
        conn.commit()
    conn.close()
    return ids


BASELINE = r"""
import csv, json, resource, sqlite3, sys, time
path, out = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
conn = sqlite3.connect(path)
rows = 0
with open(out, "w", newline="") as f:
    writer = csv.writer(f)
    for survey in ("climate", "mentee_pulse", "mentor_pulse"):
        columns = sorted({q for (q,) in conn.execute(
            "SELECT DISTINCT a.question_key"
            " || CASE WHEN a.item <> '' THEN '_' || a.item ELSE '' END"
            " FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.survey_key = ?",
            (survey,))})
        writer.writerow(["id", "period", "role", "level_band", "tenure_band",
                         "gender_group", *columns])
        index = {c: i for i, c in enumerate(columns)}
        current, row, meta = None, None, None
        query = ("SELECT r.id, r.period_kind || ':' || r.period, r.role, r.level_band, "
                 "r.tenure_band, r.gender_group, a.question_key, a.item, a.value FROM responses r "
                 "JOIN answers a ON a.response_id = r.id WHERE r.survey_key = ? ORDER BY r.id")
        for rid, day, role, lb, tb, gg, q, item, value in conn.execute(query, (survey,)):
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

BUNDLE = r"""
import json, resource, sys, time
from collections.abc import Iterator
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from surveys.db.session import Database
from surveys.export.bundle import build_bundle
from surveys.export.scope import Scope
from surveys.reports.exported import dashboard_comparisons
# A worker imports pandas, pyarrow and pyreadstat once for all its exports: not timed here.
import surveys.export.statfiles, surveys.export.writers
path, folder = sys.argv[1], Path(sys.argv[2])
ids = json.loads(sys.argv[4])
db = Database(f"sqlite:///{path}")
t0 = time.perf_counter()
bundle = build_bundle(
    db, 1, Scope((ids["firm"],), ("climate", "mentee_pulse", "mentor_pulse")),
    include_comments=False, default_k=5, folder=folder, progress=lambda done, total: None,
    expected=dashboard_comparisons,  # as the worker builds it: the analysis's expected.json
)
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
size = (folder / bundle.file_name).stat().st_size / 1e6
print(json.dumps({"wall": wall, "rows": bundle.rows, "peak_mb": peak, "zip_mb": size,
                  "k_achieved": bundle.report["k_achieved"],
                  "generalised": bundle.report["generalised"],
                  "suppressed": bundle.report["values_suppressed"],
                  "withheld": bundle.report["rows_withheld"]}))
"""


def run(script: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(baseline: dict[str, object], bundle: dict[str, object], name: str) -> None:
    for label, r in (("plain CSV", baseline), (name, bundle)):
        wall, rows = float(r["wall"]), int(r["rows"])  # type: ignore[call-overload]
        print(
            f"{label:<20} {wall:8.1f} s  {rows / wall:10,.0f} rows/s  "
            f"peak {float(r['peak_mb']):6.0f} MB  ({rows:,} rows)"  # type: ignore[arg-type]
        )
    ratio = float(bundle["wall"]) / float(baseline["wall"])  # type: ignore[arg-type]
    print(f"bundle / plain CSV wall time: {ratio:.2f}x (target <= 5x)")
    print(f"bundle peak memory: {float(bundle['peak_mb']):.0f} MB (target < 500 MB)")  # type: ignore[arg-type]
    print(f"zip {float(bundle['zip_mb']):.1f} MB")  # type: ignore[arg-type]


def postgres(admin_url: str, responses: int, work: Path) -> None:
    """The PostgreSQL mode: a database created and dropped here, the worker builds."""
    from export_pg import BASELINE as PG_BASELINE
    from export_pg import WORKER, database, libpq
    from export_pg import generate as generate_pg

    with database(admin_url) as url:
        t0 = time.perf_counter()
        ids = generate_pg(url, responses)
        print(
            f"generated {responses:,} responses in PostgreSQL in {time.perf_counter() - t0:.1f} s"
        )
        baseline = run(PG_BASELINE, libpq(url), str(work / "plain.csv"))
        bundle = run(WORKER, url, str(work / "instance"), str(ROOT), json.dumps(ids))
    report(baseline, bundle, "bundle via worker")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep the database and bundle in DIR")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database kept in --keep by an earlier run"
    )
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        metavar="ADMIN_URL",
        help="PostgreSQL mode: create a database there, build through the export worker",
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="flipside-bench-export-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.postgres:
        try:
            postgres(args.postgres, args.responses, work)
        finally:
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)
        return
    db_path = work / "bench.sqlite3"
    if args.reuse and db_path.exists():
        ids = {"firm": 1, "programme": 1, "round": 1}
        print(f"reusing {db_path}")
    else:
        db_path.unlink(missing_ok=True)
        t0 = time.perf_counter()
        ids = generate(db_path, args.responses)
        print(f"generated {args.responses:,} responses in {time.perf_counter() - t0:.1f} s")
    shutil.rmtree(work / "exports", ignore_errors=True)
    try:
        baseline = run(BASELINE, str(db_path), str(work / "plain.csv"))
        bundle = run(BUNDLE, str(db_path), str(work / "exports"), str(ROOT), json.dumps(ids))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    report(baseline, bundle, "full bundle")
    print(
        f"k achieved {bundle['k_achieved']}; generalised {bundle['generalised']}; "
        f"values suppressed {bundle['suppressed']}; rows withheld {bundle['withheld']}"
    )


if __name__ == "__main__":
    main()
