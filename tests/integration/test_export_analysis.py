"""The bundle's analysis scripts rerun the dashboard's comparisons from the bundle's own rows.

``analysis/analysis.py`` runs under this venv's Python and ``analysis/analysis.R`` under
real ``Rscript`` (skipped without R, failed when REQUIRE_SERVICES=1, as the R oracle).
A study whose groups all hold k people must reproduce every number the comparison
builder prints; on the demo, where disclosure control blanks roles, each difference
must be marked as disclosure control, never as an unexplained mismatch.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from surveys.aggregates.checks import rebuild
from surveys.db.models import AggregateCell, Programme, SurveyRound
from surveys.db.session import Database
from surveys.export.bundle import build_bundle
from surveys.export.scope import Scope
from surveys.reports.builder import build_comparison
from surveys.reports.builder.request import BuilderRequest
from surveys.reports.exported import dashboard_comparisons
from surveys.services.members import member_firm_ids
from tests.support import factories as f
from tests.support.demo_world import DemoWorld
from tests.support.people import one_per_person
from tests.support.r_oracle import rscript

ITEMS = ("belonging", "can_progress", "flexible_without_stigma", "leaders_understand")
ROLES = {"mentor": 15, "mentee": 16, "comparison": 30}
PAIRINGS = 6
PULSE_MONTHS = ("2026-04", "2026-05")
PULSES_PER_MONTH = 9
SURVEYS = ("climate", "mentor_pulse", "mentee_pulse")


def climate_round(session: Any, programme: Programme, label: str, day: date) -> SurveyRound:
    round_ = SurveyRound(
        programme_id=programme.id,
        survey_key="climate",
        survey_version=1,
        label=label,
        opened_on=day,
        closes_on=day + timedelta(days=21),
        closed=True,
    )
    session.add(round_)
    session.flush()
    return round_


def rebuild_with_people(session: Any) -> None:
    """Rebuild the aggregates, then the people behind each pulse cell (the mixer's tags;
    a rebuild cannot know them): every session a different person."""
    rebuild(session, default_k=5)
    for cell_ in session.scalars(
        select(AggregateCell).where(AggregateCell.survey_key.like("%_pulse"))
    ):
        people = one_per_person(cell_.released_histogram)
        cell_.released_people = people["released_people"]
        cell_.released_people_apart = people["released_people_apart"]


def study(db: Database) -> dict[str, int]:
    """One programme, two climate rounds and two months of session pulses; every cohort
    value but role is shared, so no group is below k and disclosure control changes
    nothing the comparisons read."""
    rng = random.Random(18)
    with db.transaction() as session:
        firm = f.firm(session, slug="study", min_group_size=5)
        programme = f.programme(session, firm)
        for _ in range(PAIRINGS):  # enrolled mentors and mentees: pulses need k people each
            f.pairing(session, programme)
        rounds = []
        for label, day, gain in (("spring", date(2026, 3, 2), 0), ("autumn", date(2026, 9, 7), 1)):
            round_ = climate_round(session, programme, label, day)
            rounds.append(round_.id)
            for role, n in ROLES.items():
                lift = (1 if role == "mentee" else 0) + (gain if role != "comparison" else 0)
                for _ in range(n):
                    answers: dict[str, Any] = {q: min(5, rng.randint(1, 4) + lift) for q in ITEMS}
                    answers |= {
                        "intend_to_stay": rng.randint(2, 5),
                        "recommend_firm": rng.randint(3, 10),
                    }
                    f.answered(
                        session,
                        programme,
                        {**answers, "gender": "woman", "ethnicity": "white"},
                        survey_key="climate",
                        role=role,
                        round_id=round_.id,
                        submitted_on=day,
                    )
        for role, low in (("mentor", 5), ("mentee", 3)):
            for month in PULSE_MONTHS:
                for _ in range(PULSES_PER_MONTH):
                    f.answered(
                        session,
                        programme,
                        {"recommend_programme": rng.randint(low, 10)},
                        survey_key=f"{role}_pulse",
                        role=role,
                        period_kind="month",
                        period=month,
                    )
        rebuild_with_people(session)
        return {
            "firm": firm.id,
            "programme": programme.id,
            "round": rounds[0],
            "round2": rounds[1],
        }


def bundle(
    db: Database,
    tmp_path: Path,
    firm: int,
    programme: int,
    *,
    date_from: date | None = None,
    expected: Any = dashboard_comparisons,
) -> Path:
    scope = Scope((firm,), SURVEYS, programme, date_from=date_from)
    built = build_bundle(
        db,
        1,
        scope,
        include_comments=False,
        default_k=5,
        folder=tmp_path,
        progress=lambda done, total: None,
        expected=expected,
    )
    out = tmp_path / "bundle"
    with zipfile.ZipFile(tmp_path / built.file_name) as archive:
        archive.extractall(out)
    return out


def run_python(folder: Path) -> subprocess.CompletedProcess[str]:
    script = folder / "analysis" / "analysis.py"
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )


def run_r(folder: Path) -> subprocess.CompletedProcess[str]:
    script = folder / "analysis" / "analysis.R"
    return subprocess.run(
        [rscript(), str(script)], capture_output=True, text=True, timeout=300, check=False
    )


def results(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / "analysis" / name).open(newline="", encoding="utf-8") as f_:
        return list(csv.DictReader(f_))


NUMBERS = ("n_a", "n_b", "t", "df", "g", "g_ci", "p", "p_adjusted", "status")


@pytest.fixture
def study_bundle(db: Database, tmp_path: Path) -> tuple[Path, dict[str, int]]:
    ids = study(db)
    return bundle(db, tmp_path, ids["firm"], ids["programme"]), ids


def shown_by(db: Database, programme_id: int, request: BuilderRequest) -> Any:
    with db.sessions() as session:
        return build_comparison(session, session.get_one(Programme, programme_id), request, 5)


def test_expected_json_is_what_the_comparison_builder_shows(
    db: Database, study_bundle: tuple[Path, dict[str, int]]
) -> None:
    folder, ids = study_bundle
    expected = json.loads((folder / "analysis" / "expected.json").read_text())
    comparisons = expected["comparisons"]
    shown = [c for c in comparisons if c["comparison"] == "participants" and c["round"] == "spring"]
    keys = tuple(c["outcome"] for c in shown)
    result = shown_by(
        db, ids["programme"], BuilderRequest(keys, "participants", round_id=ids["round"])
    )
    assert len(shown) == len(result.rows) == 7  # six scored climate questions and the index
    for entry, row in zip(shown, result.rows, strict=True):
        assert row.result is not None and entry["refused"] is None
        assert entry["n_a"] == row.result.n["participants"] == 31
        assert entry["p_adjusted"] == row.result.pvalue_adjusted
        assert entry["printed"]["t"] == f"{row.result.statistic:.2f}"
    # Both rounds, mentors vs mentees, before/after and the pulses are listed too.
    assert {(c["comparison"], c["round"], c["source"]) for c in comparisons} == {
        ("participants", "spring", "climate"),
        ("participants", "autumn", "climate"),
        ("mentors-mentees", "spring", "climate"),
        ("mentors-mentees", "autumn", "climate"),
        ("did", "autumn", "climate"),
        ("mentors-mentees", "", "pulse"),
    }
    # Before/after: what the dashboard shows by default (the first round against the last).
    did = [c for c in comparisons if c["comparison"] == "did"]
    result = shown_by(db, ids["programme"], BuilderRequest(tuple(c["outcome"] for c in did), "did"))
    assert len(did) == len(result.rows) == 6  # the index has no did
    for entry, row in zip(did, result.rows, strict=True):
        assert row.result is not None and entry["baseline"] == "spring"
        assert entry["n_a"] == "31;31" and entry["n_b"] == "30;30"
        assert entry["p_adjusted"] == row.result.pvalue_adjusted
        assert entry["printed"]["g"] == f"{row.result.effect_size.value:.2f}"
    # The pulses: the export holds every month, so exactly the dashboard's default.
    (pulse,) = [c for c in comparisons if c["source"] == "pulse"]
    result = shown_by(
        db, ids["programme"], BuilderRequest(("pulse:recommend_programme",), "mentors-mentees")
    )
    (row,) = result.rows
    assert row.result is not None and pulse["refused"] is None
    assert pulse["months"] == list(PULSE_MONTHS) and pulse["table_a"] == "mentor_pulse"
    assert pulse["n_a"] == pulse["n_b"] == len(PULSE_MONTHS) * PULSES_PER_MONTH
    assert pulse["p"] == row.result.pvalue and pulse["t"] == row.result.statistic


ALL = 2 * 14 + 6 + 1  # two rounds of 2 x 7, six did questions, one pulse question


def test_the_python_script_reproduces_every_dashboard_number(
    study_bundle: tuple[Path, dict[str, int]],
) -> None:
    folder, _ = study_bundle
    ran = run_python(folder)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    rows = results(folder, "results-python.csv")
    assert len(rows) == ALL and {r["status"] for r in rows} == {"match"}, ran.stdout
    assert {r["comparison"] for r in rows} == {"participants", "mentors-mentees", "did"}
    assert f"{ALL} comparisons, 0 unexplained mismatches" in ran.stdout


def test_the_r_script_reproduces_the_same_numbers(
    study_bundle: tuple[Path, dict[str, int]],
) -> None:
    folder, _ = study_bundle
    ran = run_r(folder)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    python = run_python(folder)
    assert python.returncode == 0
    by_r, by_python = results(folder, "results-R.csv"), results(folder, "results-python.csv")
    assert len(by_r) == ALL and {r["status"] for r in by_r} == {"match"}, ran.stdout
    assert [[r[c] for c in NUMBERS] for r in by_r] == [[r[c] for c in NUMBERS] for r in by_python]


def test_a_dated_export_lists_the_pulses_over_its_own_months_and_one_round(
    db: Database, tmp_path: Path
) -> None:
    """From May on: the autumn round only (no before/after) and May's pulses only, which
    both scripts reproduce; the dashboard's all-months figure would be a false mismatch."""
    ids = study(db)
    folder = bundle(db, tmp_path, ids["firm"], ids["programme"], date_from=date(2026, 5, 1))
    comparisons = json.loads((folder / "analysis" / "expected.json").read_text())["comparisons"]
    assert {c["round"] for c in comparisons} == {"autumn", ""}
    assert not [c for c in comparisons if c["comparison"] == "did"]
    (pulse,) = [c for c in comparisons if c["source"] == "pulse"]
    assert pulse["months"] == ["2026-05"] and pulse["n_a"] == pulse["n_b"] == PULSES_PER_MONTH
    request = BuilderRequest(("pulse:recommend_programme",), "mentors-mentees")
    (every_month,) = shown_by(db, ids["programme"], request).rows
    assert every_month.result is not None and every_month.result.pvalue != pulse["p"]
    for ran, name in ((run_python(folder), "results-python.csv"), (run_r(folder), "results-R.csv")):
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert {r["status"] for r in results(folder, name)} == {"match"}, ran.stdout


def test_a_date_range_takes_whole_released_months_so_the_pulses_are_reproduced(
    db: Database, tmp_path: Path
) -> None:
    """Weekly pulses in May, some before the export's first day: a release lineage decides
    a date range on the released month (surveys/export/lineage.py), so the export holds all
    of May, as the dashboard pools it, and both scripts reproduce the figure."""
    ids = study(db)
    with db.transaction() as session:
        programme = session.get_one(Programme, ids["programme"])
        for week in ("2026-W19", "2026-W21"):  # 4-10 May, 18-24 May
            for _ in range(5):
                f.answered(
                    session,
                    programme,
                    {"recommend_programme": 7},
                    survey_key="mentor_pulse",
                    role="mentor",
                    period_kind="week",
                    period=week,
                )
        rebuild_with_people(session)
    folder = bundle(db, tmp_path, ids["firm"], ids["programme"], date_from=date(2026, 5, 11))
    comparisons = json.loads((folder / "analysis" / "expected.json").read_text())["comparisons"]
    (pulse,) = [c for c in comparisons if c["source"] == "pulse"]
    assert pulse["refused"] is None and pulse["months"] == ["2026-05"]
    assert pulse["n_a"] == PULSES_PER_MONTH + 10  # the week of 4 May is in: May is whole
    for ran, name in ((run_python(folder), "results-python.csv"), (run_r(folder), "results-R.csv")):
        assert ran.returncode == 0, ran.stdout + ran.stderr
        (row,) = [r for r in results(folder, name) if r["outcome"].startswith("pulse")]
        assert row["status"] == "match", ran.stdout


def test_a_bundle_built_without_the_builder_says_why_its_list_is_empty(
    db: Database, tmp_path: Path
) -> None:
    ids = study(db)
    folder = bundle(db, tmp_path, ids["firm"], ids["programme"], expected=None)
    assert json.loads((folder / "analysis" / "expected.json").read_text())["comparisons"] == []
    note = (folder / "analysis" / "README.txt").read_text()
    assert "Comparisons listed: 0;" in note
    assert "did not run the dashboard's comparison builder" in note


def test_a_number_that_differs_from_the_dashboard_is_reported_as_a_mismatch(
    study_bundle: tuple[Path, dict[str, int]],
) -> None:
    folder, _ = study_bundle
    path = folder / "analysis" / "expected.json"
    expected = json.loads(path.read_text())
    expected["comparisons"][0]["printed"]["t"] = "9.99"
    path.write_text(json.dumps(expected))
    ran = run_python(folder)
    assert ran.returncode == 1 and "1 unexplained mismatches" in ran.stdout
    assert results(folder, "results-python.csv")[0]["status"] == "mismatch"


def test_missing_codes_and_blanks_are_missing_not_answers(
    study_bundle: tuple[Path, dict[str, int]],
) -> None:
    """Rows whose answers are all missing codes change no number (a -99 read as an answer
    would pull every mean down); the same in Python and R."""
    folder, _ = study_bundle
    path = folder / "climate.csv"
    with path.open(newline="", encoding="utf-8") as f_:
        rows = list(csv.DictReader(f_))
    answers = [*ITEMS, "intend_to_stay", "recommend_firm"]
    codes = ["-99", "-98", "-97", "-96", "", "-99"]
    extra = []
    for role in ("comparison", "mentee", "mentor"):
        row = dict(rows[0], role=role, row=str(len(rows) + len(extra) + 1))
        row.update(zip(answers, codes, strict=True))
        extra.append(row)
    with path.open("w", newline="", encoding="utf-8") as f_:
        writer = csv.DictWriter(f_, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows + extra)
    python = run_python(folder)
    assert python.returncode == 0, python.stdout
    assert {r["status"] for r in results(folder, "results-python.csv")} == {"match"}
    by_r = run_r(folder)
    assert by_r.returncode == 0, by_r.stdout + by_r.stderr
    assert {r["status"] for r in results(folder, "results-R.csv")} == {"match"}


def demo_bundles(demo_world: DemoWorld, tmp_path: Path) -> list[Path]:
    """A bundle of every programme of the demo, for each of its member firms (the shared
    demo is read-only: a release is a write, so a copy is exported)."""
    copy = tmp_path / "demo.sqlite3"
    shutil.copyfile(Path(demo_world.db.url.removeprefix("sqlite:///")), copy)
    db = Database(f"sqlite:///{copy}")
    folders = []
    try:
        with db.sessions() as session:
            scopes = [
                (firm_id, programme.id)
                for programme in session.scalars(select(Programme).order_by(Programme.id))
                for firm_id in sorted(member_firm_ids(session, programme))
            ]
        for firm_id, programme_id in scopes:
            folders.append(
                bundle(db, tmp_path / f"{programme_id}-{firm_id}", firm_id, programme_id)
            )
    finally:
        db.dispose()
    return folders


@pytest.mark.xfail(
    strict=True,
    reason="KNOWN GAP, open in issue 22: on the demo released by daily mixer passes the bundles "
    "verify 30 of 101 shown comparisons (the lineage generalises role to participant/comparison, "
    "so mentors vs mentees cannot be recomputed); 47 of 47 on the one-pass demo. Strict: remove "
    "the mark when it reaches 90%.",
)
def test_on_the_demo_the_bundles_verify_at_least_90_percent_of_what_the_dashboard_showed(
    demo_world: DemoWorld, tmp_path: Path
) -> None:
    """Each programme scope of the demo: of the comparisons the dashboard showed (not
    refused), at least 90% verify ("match") under analysis.py, every other one carries its
    own explanation in the bundle, and R agrees with Python on every number."""
    shown = verified = 0
    for folder in demo_bundles(demo_world, tmp_path):
        python = run_python(folder)
        assert python.returncode == 0, python.stdout + python.stderr
        rows = results(folder, "results-python.csv")
        expected = json.loads((folder / "analysis" / "expected.json").read_text())["comparisons"]
        assert len(rows) == len(expected)
        for entry, row in zip(expected, rows, strict=True):
            if entry["refused"]:
                continue  # the dashboard refused it too
            shown += 1
            verified += row["status"] == "match"
            if row["status"] != "match":
                # Explained: rows withheld or blanked by disclosure control, or a side the
                # bundle's rows cannot form (its note says which).
                assert row["status"] in {"differs: disclosure control", "not recomputed"}, row
                assert entry.get("figures_withheld") or row["note"], row
        by_r = run_r(folder)
        assert by_r.returncode == 0, by_r.stdout + by_r.stderr
        assert [[r[c] for c in NUMBERS] for r in results(folder, "results-R.csv")] == [
            [r[c] for c in NUMBERS] for r in rows
        ]
    print(f"bundle comparisons verified on the demo: {verified} of {shown}")
    assert shown >= 40  # the demo's programmes show that many comparisons
    assert verified >= 0.9 * shown, (verified, shown)


def test_an_empty_side_is_not_recomputed_and_r_does_not_crash(
    study_bundle: tuple[Path, dict[str, int]],
) -> None:
    """A bundle whose comparison group is gone (every row of it withheld, say): each script
    says the comparison cannot be recomputed; R used to stop with "subscript out of bounds"
    in welch, dropping the NULL side of the index."""
    folder, _ = study_bundle
    path = folder / "climate.csv"
    with path.open(newline="", encoding="utf-8") as f_:
        rows = list(csv.DictReader(f_))
    with path.open("w", newline="", encoding="utf-8") as f_:
        writer = csv.DictWriter(f_, list(rows[0]))
        writer.writeheader()
        writer.writerows(r for r in rows if r["role"] != "comparison")
    by_r = run_r(folder)
    assert by_r.returncode == 0, by_r.stdout + by_r.stderr
    python = run_python(folder)
    assert python.returncode == 0, python.stdout + python.stderr
    for name in ("results-R.csv", "results-python.csv"):
        found = results(folder, name)
        participants = [r for r in found if r["comparison"] in ("participants", "did")]
        assert participants and {r["status"] for r in participants} == {"not recomputed"}
        assert {r["status"] for r in found if r["comparison"] == "mentors-mentees"} == {"match"}
