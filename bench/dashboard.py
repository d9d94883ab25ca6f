"""Dashboard pages with 10 million responses stored: p50/p95 server time against a static page.

    .venv/bin/python bench/dashboard.py [--responses 10000000] [--first 1000000] [--requests 100]
    .venv/bin/python bench/dashboard.py --responses 1000000 --first 1000000   (about 5 minutes)

Creates a PostgreSQL database of its own, ``flipside_bench_dashboard_<random>``
(dropped at the end, also on failure; it never drops a name it did not create, so
two people can run it on one server at once), migrates it and generates, straight into the tables
with server-side ``INSERT ... SELECT generate_series`` (no rows cross the wire,
faster than COPY from a client): firms and programmes of realistic size
(people, pairings, meetings every six weeks, pulse invitations), ``--responses``
pulse responses spread over the programmes and a year, five answers each (three
Likert items, the 0-10 item, a topic) plus a comment for one in fifty, and the
aggregate cells those responses give (weeks and months, every cohort), all
released, with the comments pooled for release. Indexes and foreign keys of the
two big tables are dropped for the load and rebuilt after it.

It measures twice in the same run -- after ``--first`` responses and after all
of them -- so the growth of each page's time with the number of responses is
printed as a ratio (the pages read released cells, whose number does not grow
with responses). Each round requests every page of PAGES once, in turn, so
background load hits all alike; the baseline is the app's home page, a template
with no queries. Server time is measured in-process: the wall time of one
request through the Flask test client (WSGI app, session cookie or API token,
real PostgreSQL), which includes the same test-client overhead for every page.
Pages keep the reports they derive from released cells until the programme's
next release (surveys/reports/cache.py); the main measurement is of views
between releases. Then ``--cold`` first views after a release, each in a
process that has kept nothing: once with nothing stored (the view decides
disclosure itself), then after a release whose worker step stored the reports
(printed as "release precompute: X s", every programme's version moved).
Target (PRODUCT.md 3): p95 < 150 ms. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Connection, make_url  # noqa: E402

ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NAME = f"flipside_bench_dashboard_{uuid.uuid4().hex[:8]}"
FIRMS, PROGRAMMES_PER_FIRM, PAIRS, PEOPLE = 20, 2, 40, 600
PASSWORD = "bench password 12345"

#: (label, URL template, channel). Add a line to measure another page; {programme} is the
#: measured programme.
PAGES = [
    ("static (baseline)", "/", "session"),
    ("overview", "/dashboard/programmes/{programme}", "session"),
    ("headline", "/dashboard/programmes/{programme}/headline", "session"),
    ("pulse trends", "/dashboard/programmes/{programme}/pulse", "session"),
    (
        "comparison page",
        "/dashboard/programmes/{programme}/compare"
        "?outcome=pulse:recommend_programme&comparison=mentors-mentees",
        "session",
    ),
    (
        "comparison API",
        "/api/v1/programmes/{programme}/comparison?survey_key=mentee_pulse"
        "&question_key=gained_insight&by=gender_group&a=woman&b=man&test=mwu",
        "token",
    ),
]
BIG_TABLES = ("answers", "responses")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(label: str, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = step()
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def admin_execute(sql: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


def structure(conn: Connection) -> None:
    """Firms, programmes, people, pairings, meetings every six weeks and their invitations."""
    conn.execute(
        text(
            "INSERT INTO firms (name, slug, benchmarking_opt_in, created_at) "
            "SELECT 'Bench firm ' || f, 'bench-' || f, false, now() "
            "FROM generate_series(1, :firms) f"
        ),
        {"firms": FIRMS},
    )
    conn.execute(
        text(
            "INSERT INTO programmes (firm_id, name, starts_on, status, longitudinal, "
            "pulse_surveys, climate_surveys, created_at) "
            "SELECT id, 'Programme ' || p, date '2025-12-01', 'active', false, true, true, now() "
            "FROM firms, generate_series(1, :per) p"
        ),
        {"per": PROGRAMMES_PER_FIRM},
    )
    conn.execute(
        text(
            "INSERT INTO people (firm_id, internal_id, email, level, practice_area, office, "
            "started_on, working_pattern) "
            "SELECT f.id, 'P' || i, 'p' || i || '@' || f.slug || '.example', "
            "(ARRAY['associate','senior associate','partner','board'])[1 + i % 4], "
            "'Corporate', 'London', date '2012-01-01' + (i * 37) % 4000, 'full-time' "
            "FROM firms f, generate_series(1, :people) i"
        ),
        {"people": PEOPLE},
    )
    # Programme p of a firm takes mentors and mentees from its own slice of the people.
    conn.execute(
        text(
            "CREATE TEMP TABLE bench_pairs AS "
            "SELECT pr.id AS programme_id, pm.id AS mentor_id, pe.id AS mentee_id, j "
            "FROM (SELECT id, firm_id, row_number() OVER (PARTITION BY firm_id ORDER BY id) AS "
            "k FROM programmes) pr, generate_series(1, :pairs) j, people pm, people pe "
            "WHERE pm.firm_id = pr.firm_id AND pe.firm_id = pr.firm_id "
            "AND pm.internal_id = 'P' || ((pr.k - 1) * 200 + j * 4 - 3) "
            "AND pe.internal_id = 'P' || ((pr.k - 1) * 200 + j * 4 - 2)"
        ),
        {"pairs": PAIRS},
    )
    conn.execute(
        text(
            "INSERT INTO enrolments (programme_id, person_id, role, enrolled_on) "
            "SELECT programme_id, mentor_id, 'mentor', date '2025-12-01' FROM bench_pairs "
            "UNION ALL SELECT programme_id, mentee_id, 'mentee', date '2025-12-01' "
            "FROM bench_pairs"
        )
    )
    conn.execute(
        text(
            "INSERT INTO pairings (programme_id, mentor_id, mentee_id, started_on) "
            "SELECT programme_id, mentor_id, mentee_id, date '2025-12-01' FROM bench_pairs"
        )
    )
    conn.execute(
        text(
            "INSERT INTO meetings (pairing_id, held_on, source, recorded_at) "
            "SELECT id, date '2025-12-03' + 42 * m + id % 20, 'demo', now() "
            "FROM pairings, generate_series(0, 8) m"
        )
    )
    conn.execute(
        text(
            "INSERT INTO survey_invitations (token_hash, token_salt, person_id, programme_id, "
            "survey_key, survey_version, meeting_id, created_at, sent_at, expires_at, "
            "reminders_sent, responded, opted_out) "
            "SELECT md5(m.id || who) || md5(who || m.id), md5(who || m.id), "
            "CASE who WHEN 'mentor' THEN p.mentor_id ELSE p.mentee_id END, p.programme_id, "
            "who || '_pulse', 1, m.id, now(), now(), now() + interval '14 days', 0, "
            "m.id % 3 > 0, false "
            "FROM meetings m JOIN pairings p ON p.id = m.pairing_id, "
            "(VALUES ('mentor'), ('mentee')) AS w(who)"
        )
    )


START = date(2025, 12, 1)  # a Monday: week w of the year is days 7w .. 7w + 6
DAYS = 365
TOPICS = (
    "flexible_working",
    "technology",
    "diversity_inclusion",
    "client_expectations",
    "generational_change",
    "wellbeing",
    "career_progression",
    "other",
)
LIKERT = {
    "mentor": ("spoke_openly", "mentee_engaged", "good_use_of_time"),
    "mentee": ("gained_insight", "will_act", "open_and_honest"),
}


def _labels() -> dict[str, Any]:
    """Code -> text for the staging table's small integers (bound as array parameters)."""
    days = [START + timedelta(days=d) for d in range(DAYS)]
    months = sorted({f"{d:%Y-%m}" for d in days})
    return {
        "weeks": [
            f"{y}-W{w:02d}"
            for y, w, _ in ((START + timedelta(7 * i)).isocalendar() for i in range(DAYS // 7 + 1))
        ],
        "months": months,
        "month_of_day": [months.index(f"{d:%Y-%m}") for d in days],
        "topics": list(TOPICS),
        "mentor_q": list(LIKERT["mentor"]),
        "mentee_q": list(LIKERT["mentee"]),
        "roles": ["mentor", "mentee"],
        "levels": ["junior", "mid", "senior"],
        "tenures": ["<2y", "2-5y", "5-10y", "10y+"],
        "genders": ["woman", "man", "another", "undisclosed"],
    }


def generate(conn: Connection, count: int, offset: int) -> None:
    """``count`` responses as staging rows of small integer codes, over every programme and a year.

    One row per response with its answers as columns; codes rather than text keep
    the grouping into cells fast.
    """
    conn.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS bench_programmes AS "
            "SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id, firm_id FROM programmes"
        )
    )
    conn.execute(text("DROP TABLE IF EXISTS bench_new"))
    conn.execute(
        text(
            "CREATE UNLOGGED TABLE bench_new AS "
            "SELECT gen_random_uuid() AS id, p.id AS programme_id, p.firm_id, r, "
            "CASE WHEN r = 1 THEN 2 WHEN random() < 0.4 THEN 1 ELSE 0 END AS l, "
            "floor(random() * 4)::int AS t, "
            "(ARRAY[0, 1, 0, 1, 2, 3])[1 + floor(random() * 6)::int] AS g, "
            "day, day / 7 AS wk, (CAST(:month_of_day AS int[]))[day + 1] AS mo, "
            # Likert answers lean positive, as pulses do; the 0-10 score likewise.
            "least(5, 1 + floor(random() * 3 + random() * 2.5)::int) AS v1, "
            "least(5, 1 + floor(random() * 3 + random() * 2.5)::int) AS v2, "
            "least(5, 1 + floor(random() * 5)::int) AS v3, "
            "least(10, floor(random() * 6 + random() * 5.5)::int) AS score, "
            "floor(random() * 8)::int AS topic, random() < 0.02 AS commented "
            "FROM (SELECT g, floor(random() * 2)::int AS r, floor(random() * :days)::int AS day, "
            "g % (SELECT count(*) FROM bench_programmes) AS idx "
            "FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint)) g) AS s "
            "JOIN bench_programmes p ON p.idx = s.idx"
        ),
        {
            "start": offset,
            "stop": offset + count - 1,
            "days": DAYS,
            "month_of_day": _labels()["month_of_day"],
        },
    )
    conn.execute(
        text("CREATE UNLOGGED TABLE IF NOT EXISTS bench_wide AS TABLE bench_new WITH NO DATA")
    )


COHORT_TEXT = (
    "(CAST(:roles AS text[]))[r + 1], (CAST(:levels AS text[]))[l + 1], "
    "(CAST(:tenures AS text[]))[t + 1], (CAST(:genders AS text[]))[g + 1]"
)
QUESTION_TEXT = (
    "CASE WHEN q < 3 AND r = 0 THEN (CAST(:mentor_q AS text[]))[q + 1] "
    "WHEN q < 3 THEN (CAST(:mentee_q AS text[]))[q + 1] "
    "WHEN q = 3 THEN 'recommend_programme' ELSE 'topics' END"
)
ITEM_TEXT = "CASE WHEN q >= 4 THEN (CAST(:topics AS text[]))[q - 3] ELSE '' END"


def load(conn: Connection) -> None:
    """The newly staged rows into responses and answers (and the cumulative staging table)."""
    labels = _labels()
    conn.execute(
        text(
            "INSERT INTO responses (id, survey_key, survey_version, period_kind, period, "
            "firm_id, programme_id, role, level_band, tenure_band, gender_group) "
            "SELECT id, (CAST(:roles AS text[]))[r + 1] || '_pulse', 1, 'week', "
            "(CAST(:weeks AS text[]))[wk + 1], "
            f"firm_id, programme_id, {COHORT_TEXT} FROM bench_new"
        ),
        labels,
    )
    conn.execute(
        text(
            "INSERT INTO answers (response_id, question_key, item, value, text) "
            f"SELECT id, {QUESTION_TEXT}, {ITEM_TEXT}, CASE WHEN q < 4 THEN v END, NULL "
            "FROM bench_new, LATERAL (VALUES (0, v1), (1, v2), (2, v3), (3, score), "
            "(4 + topic, 1)) AS a(q, v)"
        ),
        labels,
    )
    conn.execute(
        text(
            "INSERT INTO answers (response_id, question_key, item, value, text) "
            "SELECT id, 'comment', '', NULL, 'A comment about ' || "
            "(CAST(:topics AS text[]))[topic + 1] FROM bench_new WHERE commented"
        ),
        labels,
    )
    conn.execute(text("INSERT INTO bench_wide TABLE bench_new"))
    conn.execute(text("DROP TABLE bench_new"))


def cells(conn: Connection) -> None:
    """The aggregate cells of every response loaded so far, released; comments pooled, released.

    Computed from the staging rows (one per response, its answers as integer
    columns) in one pass per kind of cell, weeks and months together: the same
    numbers as grouping answers joined to responses, many times faster.
    """
    conn.execute(text("TRUNCATE aggregate_cells, pooled_comments"))
    labels = _labels()
    columns = (
        "survey_key, survey_version, question_key, item, firm_id, programme_id, role, "
        "level_band, tenure_band, gender_group, period_kind, period, n, total, total_sq, "
        "histogram, released_n, released_total, released_total_sq, released_histogram, "
        "released_people, released_people_apart"
    )
    cohort = "programme_id, firm_id, r, l, t, g"
    period = (
        "CASE WHEN wk IS NULL THEN 'month' ELSE 'week' END, "
        "CASE WHEN wk IS NULL THEN (CAST(:months AS text[]))[mo + 1] "
        "ELSE (CAST(:weeks AS text[]))[wk + 1] END"
    )
    conn.execute(
        text(
            f"INSERT INTO aggregate_cells ({columns}) "
            "SELECT (CAST(:roles AS text[]))[r + 1] || '_pulse', 1, '', '', firm_id, "
            f"programme_id, {COHORT_TEXT}, {period}, c, 0, 0, '{{}}'::json, c, 0, 0, "
            "'{}'::json, c, '{}'::json FROM (SELECT "
            f"{cohort}, wk, mo, count(*) AS c FROM bench_wide "
            f"GROUP BY GROUPING SETS (({cohort}, wk), ({cohort}, mo))) AS counted"
        ),
        labels,
    )
    conn.execute(
        text(
            f"INSERT INTO aggregate_cells ({columns}) "
            f"SELECT (CAST(:roles AS text[]))[r + 1] || '_pulse', 1, {QUESTION_TEXT}, "
            f"{ITEM_TEXT}, firm_id, programme_id, {COHORT_TEXT}, {period}, "
            "sum(c), sum(v * c), sum(v * v * c), json_object_agg(v, c), "
            "sum(c), sum(v * c), sum(v * v * c), json_object_agg(v, c), "
            # Every generated response is a different person (the bench has no sessions):
            # people = responses; apart from a value = the question's answers (a topic: the
            # cohort's respondents) minus that value's.
            "CASE WHEN q < 4 THEN sum(c) ELSE max(resp) END, "
            "CASE WHEN q < 4 THEN json_object_agg(v, qn - c) "
            "ELSE json_build_object('1', max(resp) - sum(c)) END FROM ("
            f"SELECT {cohort}, wk, mo, q, v, count(*) AS c, "
            f"sum(count(*)) OVER (PARTITION BY {cohort}, wk, mo, q) AS qn, "
            "sum(CASE WHEN q = 0 THEN count(*) END) "
            f"OVER (PARTITION BY {cohort}, wk, mo) AS resp "
            "FROM bench_wide, LATERAL (VALUES "
            "(0, v1), (1, v2), (2, v3), (3, score), (4 + topic, 1)) AS a(q, v) "
            f"GROUP BY GROUPING SETS (({cohort}, wk, q, v), ({cohort}, mo, q, v))) AS counted "
            f"GROUP BY {cohort}, wk, mo, q"
        ),
        labels,
    )
    conn.execute(
        text(
            "INSERT INTO pooled_comments (id, survey_key, survey_version, question_key, "
            "firm_id, programme_id, role, level_band, tenure_band, gender_group, period, text, "
            "released) "
            "SELECT gen_random_uuid(), (CAST(:roles AS text[]))[r + 1] || '_pulse', 1, "
            f"'comment', firm_id, programme_id, {COHORT_TEXT}, "
            "(CAST(:months AS text[]))[mo + 1], "
            "'A comment about ' || (CAST(:topics AS text[]))[topic + 1], true "
            "FROM bench_wide WHERE commented"
        ),
        labels,
    )


def drop_keys(conn: Connection) -> list[str]:
    """Drop the big tables' keys and indexes; the statements that recreate them, in order."""
    names = ", ".join(f"'{t}'::regclass" for t in BIG_TABLES)
    constraints = conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
            f"FROM pg_constraint WHERE (conrelid IN ({names}) OR confrelid IN ({names})) "
            "AND contype IN ('p', 'f', 'u') ORDER BY contype DESC"  # p, u before f
        )
    ).all()
    indexes = conn.execute(
        text(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            f"WHERE indrelid IN ({names}) AND NOT indisprimary AND NOT indisunique"
        )
    ).all()
    for table, name, _, _ in reversed(constraints):
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"'))
    for name, _ in indexes:
        conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
    recreate = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, _ in constraints]
    return recreate + [definition for _, definition in indexes]


def fill(url: str, count: int, offset: int, first: bool) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
        conn.execute(text("SET work_mem = '256MB'"))
        # Generation only: hash rather than sort (string sorts under the database's
        # collation dominate otherwise), and no JIT for one-off statements.
        conn.execute(text("SET enable_sort = off"))
        conn.execute(text("SET jit = off"))
        if first:
            timed(
                "firms, programmes, people, pairings, meetings, invitations",
                lambda: structure(conn),
            )
        recreate = drop_keys(conn)
        timed(f"stage {count:,} responses", lambda: generate(conn, count, offset))
        timed("responses and answers", lambda: load(conn))

        def rebuild_keys() -> None:
            for statement in recreate:
                conn.execute(text(statement))

        timed("keys and indexes", rebuild_keys)
        timed("analyze", lambda: conn.execute(text("ANALYZE responses, answers")))
        timed("aggregate cells and pooled comments", lambda: cells(conn))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
        sizes = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM answers), "
                "(SELECT count(*) FROM aggregate_cells), "
                "(SELECT count(*) FROM survey_invitations)"
            )
        ).one()
        print(
            f"  stored: {sizes[0]:,} responses, {sizes[1]:,} answers, {sizes[2]:,} aggregate "
            f"cells, {sizes[3]:,} invitations",
            flush=True,
        )
    engine.dispose()


def clients(url: str, instance: str) -> tuple[Any, dict[str, Any], int]:
    """The app on the bench database, a signed-in lead's client and API token headers."""
    from sqlalchemy import select

    from surveys.db.models import Account, Programme
    from surveys.db.session import Database
    from surveys.intake.keys import generate as generate_keys
    from surveys.services.accounts import create_account
    from surveys.services.api_tokens import create_api_token
    from surveys.settings import load_settings
    from webapp import create_app

    settings = load_settings(
        {
            **generate_keys(),
            "SECRET_KEY": "b" * 40,
            "DATABASE_URL": url,
            "FLIPSIDE_INSTANCE_PATH": instance,
        }
    )
    db = Database(url)
    with db.transaction() as session:
        programme = session.get(Programme, 1)
        assert programme is not None
        account = session.scalar(select(Account).where(Account.email == "lead@bench.example"))
        if account is None:
            account = create_account(
                session, "lead@bench.example", PASSWORD, "lead", [programme.firm]
            )
        token = create_api_token(session, account.id, "bench").secret
    app = create_app({"FLIPSIDE_DATABASE": db}, settings=settings)
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf
    signed_in = client.post(
        "/auth/login",
        data={"email": "lead@bench.example", "password": PASSWORD, "csrf_token": csrf.group(1)},
    )
    assert signed_in.status_code == 302, signed_in.status_code
    return client, {"Authorization": f"Bearer {token}"}, 1


def measure(url: str, requests: int, instance: str) -> dict[str, list[float]]:
    client, headers, programme = clients(url, instance)
    times: dict[str, list[float]] = {label: [] for label, _, _ in PAGES}
    for round_ in range(requests + 5):  # the first five warm caches and are not counted
        for label, template, channel in PAGES:
            path = template.format(programme=programme)
            started = time.perf_counter()
            response = client.get(path, headers=headers if channel == "token" else {})
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(
                    f"{label}: {path} answered {response.status_code}: "
                    f"{response.get_data(as_text=True)[:300]}"
                )
            if round_ >= 5:
                times[label].append(elapsed)
    return times


def measure_cold(url: str, requests: int, instance: str, *, stored: bool) -> dict[str, list[float]]:
    """Each page as a web process first views it after a release: its kept reports forgotten
    before each request (surveys/reports/cache.py). With ``stored``, the worker's release
    step has stored the reports (they are read); without, every stored report is deleted
    before each request too, so the view decides disclosure itself (as before the worker
    stored them)."""
    from surveys.reports import cache as release_cache

    client, headers, programme = clients(url, instance)
    engine = create_engine(url)
    times: dict[str, list[float]] = {label: [] for label, _, _ in PAGES}
    for _ in range(requests):
        for label, template, channel in PAGES:
            release_cache.clear()
            if not stored:
                with engine.begin() as conn:
                    conn.execute(text("DELETE FROM released_reports"))
            started = time.perf_counter()
            client.get(
                template.format(programme=programme), headers=headers if channel == "token" else {}
            )
            times[label].append(time.perf_counter() - started)
    engine.dispose()
    return times


def release(url: str) -> None:
    """A release of every programme, then the worker's release step, timed on its own.

    The mixer's pass moves each released programme's ``release_version`` in its
    transaction (surveys/aggregates/release.py); here every programme's moves, as
    a daily pass that releases batches everywhere would. Then the worker decides
    and stores each moved programme's reports (surveys/reports/precompute.py).
    """
    from surveys.db.session import Database
    from surveys.reports.precompute import precompute

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE programmes SET release_version = release_version + 1"))
    engine.dispose()
    db = Database(url)
    started = time.perf_counter()
    done = precompute(db, None, default_k=5)
    elapsed = time.perf_counter() - started
    db.dispose()
    print(
        f"  release precompute: {elapsed:.1f} s ({done} programmes, "
        f"{elapsed / max(done, 1):.2f} s each)",
        flush=True,
    )


def report(times: dict[str, list[float]]) -> dict[str, float]:
    base = times[PAGES[0][0]]
    base50, base95 = percentile(base, 0.5), percentile(base, 0.95)
    p95s = {}
    for label, values in times.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        p95s[label] = p95
        verdict = "" if label == PAGES[0][0] else ("  ok" if p95 < 0.150 else "  OVER 150 ms")
        print(
            f"  {label:<18} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
            f"mean {statistics.mean(values) * 1000:7.1f} ms  "
            f"x baseline p50 {p50 / base50:5.1f}  p95 {p95 / base95:5.1f}{verdict}",
            flush=True,
        )
    return p95s


def first_views(url: str, cold: int, instance: str, *, uncached: bool = True) -> None:
    if uncached:
        print(f"first view after a release, nothing stored: the view computes ({cold} per page)")
        report(measure_cold(url, cold, instance, stored=False))
    print("release (every programme's version moves; the worker stores their reports)")
    release(url)
    print(f"first view after a release, stored by the worker ({cold} per page)")
    report(measure_cold(url, cold, instance, stored=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--first", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--cold", type=int, default=10, help="first views after a release")
    parser.add_argument(
        "--stored-only",
        action="store_true",
        help="skip the first views with nothing stored (minutes each at 10M responses)",
    )
    args = parser.parse_args()
    if not 0 < args.first <= args.responses:
        parser.error("--first must be between 1 and --responses")
    from surveys.db import migrate

    admin_execute(f'CREATE DATABASE "{NAME}"')
    url = make_url(ADMIN_URL).set(database=NAME).render_as_string(hide_password=False)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as instance:
            migrate.upgrade(url)
            print(f"generating {args.first:,} responses into {NAME} ...", flush=True)
            fill(url, args.first, 0, first=True)
            print(f"measuring {args.requests} requests per page (in-process, Flask test client)")
            small = report(measure(url, args.requests, instance))
            first_views(url, args.cold, instance, uncached=not args.stored_only)
            rest = args.responses - args.first
            if rest:
                print(f"generating {rest:,} more responses ...", flush=True)
                fill(url, rest, args.first, first=False)
                print(f"measuring {args.requests} requests per page with {args.responses:,}")
                large = report(measure(url, args.requests, instance))
                first_views(url, args.cold, instance, uncached=not args.stored_only)
                print(f"growth of p95 from {args.first:,} to {args.responses:,} responses:")
                for label in large:
                    print(f"  {label:<18} x {large[label] / small[label]:.2f}")
    finally:
        admin_execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    print(f"total {time.perf_counter() - started:.0f} s; {NAME} dropped")


if __name__ == "__main__":
    main()
