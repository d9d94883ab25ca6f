"""The research bundle: every file opens with its real reader, labels and counts agree, k holds."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from frictionless import Package
from sqlalchemy import func, select

from surveys.db.models import SurveyRound
from surveys.db.session import Database
from surveys.export.bundle import Bundle, EmptyExport, build_bundle
from surveys.export.fields import QI_FIELDS
from surveys.export.scope import Scope
from surveys.longitudinal.vault import pairing_key
from tests.support import factories as f
from tests.support.sealing import keys_for_tests, mix
from tests.support.submissions import submit

PULSE = {
    "spoke_openly": 4,
    "mentee_engaged": 5,
    "good_use_of_time": 3,
    "topics": ["technology", "wellbeing"],
    "recommend_programme": 9,
}
COMMENT = "Ask jane.doe@example.com or call +44 20 7946 0958; Smithers was great."
QI_COLUMNS = [name for name, _ in QI_FIELDS] + ["gender", "ethnicity"]


def world(db: Database, pulse_people: int = 6) -> dict[str, Any]:
    """12 pulse responses of ``pulse_people`` longitudinal people, 10 climate responses
    and one climate respondent alone in their group."""
    with db.transaction() as session:
        firm = f.firm(session, slug="acme", min_group_size=5)
        f.person(session, firm, email="tom.smithers@acme.example")
        programme = f.programme(session, firm, longitudinal=True)
        for i in range(12):
            f.answered(
                session,
                programme,
                {**PULSE, "comment": COMMENT},
                submitted_on=date(2026, 2, 1 + i),
                pseudonym=f"p{i % pulse_people}",
            )
        for i in range(10):
            f.answered(
                session,
                programme,
                {"belonging": 1 + i % 5, "gender": "woman", "ethnicity": "white"},
                survey_key="climate",
                role="comparison",
                submitted_on=date(2026, 3, 2),
            )
        # One respondent alone in their group: must not be recognisable in the export.
        f.answered(
            session,
            programme,
            {"belonging": 2, "gender": "man", "ethnicity": "black"},
            survey_key="climate",
            role="mentee",
            level_band="senior",
            submitted_on=date(2026, 3, 3),
        )
        return {"firm": firm.id, "programme": programme.id}


def build(
    db: Database, tmp_path: Path, ids: dict[str, Any], *, comments: bool = False, **kw: Any
) -> Bundle:
    scope = Scope(
        firm_ids=(ids["firm"],),
        survey_keys=kw.pop("survey_keys", ("mentor_pulse", "climate")),
        programme_id=ids["programme"],
        **kw,
    )
    seen: list[tuple[int, int]] = []
    bundle = build_bundle(
        db,
        1,
        scope,
        include_comments=comments,
        default_k=5,
        folder=tmp_path,
        progress=lambda done, total: seen.append((done, total)),
        expected=None,
        pairing_key=pairing_key(keys_for_tests()),
    )
    assert seen and seen[-1][0] == seen[-1][1]  # progress reached the total
    return bundle


def closed_round(session: Any, programme: Any) -> SurveyRound:
    """A closed climate round of ``programme`` (its answers are one per person)."""
    round_ = SurveyRound(
        programme_id=programme.id,
        survey_key="climate",
        survey_version=1,
        label="Spring",
        opened_on=date(2026, 3, 2),
        closes_on=date(2026, 3, 23),
        closed=True,
    )
    session.add(round_)
    session.flush()
    return round_


def unzip(tmp_path: Path, bundle: Bundle) -> Path:
    out = tmp_path / "unzipped"
    with zipfile.ZipFile(tmp_path / bundle.file_name) as archive:
        archive.extractall(out)
    return out


def test_every_file_opens_with_its_reader_and_agrees_on_rows_labels_and_types(
    db: Database, tmp_path: Path
) -> None:
    bundle = build(db, tmp_path, world(db))
    folder = unzip(tmp_path, bundle)
    names = {p.name for p in folder.iterdir()}
    for key in ("mentor_pulse", "climate"):
        assert {f"{key}.{ext}" for ext in ("csv", "parquet", "sav", "dta")} <= names
    assert {"datapackage.json", "README.txt", "disclosure-report.txt"} <= names
    report = json.loads((folder / "disclosure-report.json").read_text())

    total = 0
    for key in ("mentor_pulse", "climate"):
        csv = pd.read_csv(folder / f"{key}.csv")
        parquet = pq.read_table(folder / f"{key}.parquet")
        sav, sav_meta = pyreadstat.read_sav(str(folder / f"{key}.sav"))
        dta, dta_meta = pyreadstat.read_dta(str(folder / f"{key}.dta"))
        assert len(csv) == parquet.num_rows == len(sav) == len(dta)
        assert list(csv.columns) == parquet.column_names == list(sav.columns)
        total += len(csv)
    assert total == report["rows_released"] == bundle.rows
    assert report["rows_in_scope"] == 23

    sav, sav_meta = pyreadstat.read_sav(str(folder / "mentor_pulse.sav"))
    dta, dta_meta = pyreadstat.read_dta(str(folder / "mentor_pulse.dta"))
    question = "I could speak openly in this session."
    assert sav_meta.column_names_to_labels["spoke_openly"] == question
    assert dta_meta.column_names_to_labels["spoke_openly"] == question
    for meta in (sav_meta, dta_meta):
        labels = meta.variable_value_labels["spoke_openly"]
        assert labels[1] == "Strongly disagree" and labels[5] == "Strongly agree"
    assert set(sav["spoke_openly"]) == {4.0}
    assert set(sav["topics_technology"]) == {1.0} and set(sav["topics_other"]) == {0.0}

    parquet = pq.read_table(folder / "mentor_pulse.parquet")
    assert str(parquet.schema.field("spoke_openly").type) == "int64"
    assert str(parquet.schema.field("role").type) == "string"
    # No comments unless asked for; no response ids; months, not days.
    csv_text = (folder / "mentor_pulse.csv").read_text()
    assert "comment" not in parquet.column_names and "jane" not in csv_text
    assert "2026-02-01" not in csv_text


def test_the_codebook_is_a_valid_data_package_with_question_text_enums_and_versions(
    db: Database, tmp_path: Path
) -> None:
    folder = unzip(tmp_path, build(db, tmp_path, world(db)))
    package = Package(str(folder / "datapackage.json"))
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads((folder / "datapackage.json").read_text())
    climate = next(r for r in descriptor["resources"] if r["name"] == "climate")
    fields = {field["name"]: field for field in climate["schema"]["fields"]}
    assert fields["belonging"]["type"] == "integer"
    assert fields["belonging"]["constraints"] == {"minimum": 1, "maximum": 5}
    assert "Strongly agree" in fields["belonging"]["description"]
    assert "version(s) 1" in climate["description"]
    assert climate["schema"]["missingValues"] == ["", "-96", "-97", "-98", "-99"]


def test_an_attack_linking_on_every_combination_of_quasi_identifiers_finds_none_under_k(
    db: Database, tmp_path: Path
) -> None:
    folder = unzip(tmp_path, build(db, tmp_path, world(db)))
    for key in ("mentor_pulse", "climate"):
        frame = pd.read_csv(folder / f"{key}.csv", dtype=str, keep_default_na=False)
        columns = [c for c in QI_COLUMNS if c in frame.columns]
        for size in range(1, len(columns) + 1):
            for subset in combinations(columns, size):
                assert frame.groupby(list(subset)).size().min() >= 5, (key, subset)
    climate = pd.read_csv(folder / "climate.csv", dtype=str, keep_default_na=False)
    assert "black" not in set(climate["ethnicity"])  # the lone respondent is not visible


def test_comments_only_on_request_for_groups_of_ten_and_masked(
    db: Database, tmp_path: Path
) -> None:
    # k and the comment threshold count people (issue 13): twelve answers of one climate
    # round are twelve people (one invitation per person and round).
    with db.transaction() as session:
        firm = f.firm(session, slug="acme", min_group_size=5)
        f.person(session, firm, email="tom.smithers@acme.example")
        programme = f.programme(session, firm)
        round_ = closed_round(session, programme)
        for i in range(12):
            f.answered(
                session,
                programme,
                {
                    "belonging": 1 + i % 5,
                    "gender": "woman",
                    "ethnicity": "white",
                    "comment": COMMENT,
                },
                survey_key="climate",
                role="comparison",
                round_id=round_.id,
                submitted_on=date(2026, 3, 2),
            )
        ids = {"firm": firm.id, "programme": programme.id}
    bundle = build(db, tmp_path, ids, comments=True, survey_keys=("climate",))
    folder = unzip(tmp_path, bundle)
    frame = pd.read_csv(folder / "climate.csv")
    comments = set(frame["comment"].dropna())
    assert comments == {"Ask [email] or call [phone]; [name] was great."}
    assert bundle.report["comments"] == {"included": True, "exported": 12, "withheld": 0}


def test_small_groups_get_no_comments_even_when_asked(db: Database, tmp_path: Path) -> None:
    with db.transaction() as session:
        firm = f.firm(session, min_group_size=5)
        programme = f.programme(session, firm)
        for i in range(6):
            f.answered(
                session, programme, {**PULSE, "comment": "fine"}, submitted_on=date(2026, 2, 1 + i)
            )
        ids = {"firm": firm.id, "programme": programme.id}
    bundle = build(db, tmp_path, ids, comments=True, survey_keys=("mentor_pulse",))
    frame = pd.read_csv(unzip(tmp_path, bundle) / "mentor_pulse.csv")
    assert frame["comment"].isna().all() and len(frame) == 6
    assert bundle.report["comments"]["withheld"] == 6


def test_pseudonyms_link_within_an_export_but_not_across_two(db: Database, tmp_path: Path) -> None:
    ids = world(db)
    people = []
    for attempt in ("a", "b"):
        bundle = build(db, tmp_path / attempt, ids, survey_keys=("mentor_pulse",))
        frame = pd.read_csv(unzip(tmp_path / attempt, bundle) / "mentor_pulse.csv")
        assert frame["person"].nunique() == 6
        people.append(set(frame["person"]))
    assert not people[0] & people[1]
    assert not {f"p{i}" for i in range(6)} & people[0]


def test_a_response_is_not_at_the_same_row_in_two_exports(db: Database, tmp_path: Path) -> None:
    """Rows in id order would put a response at the same place in every export, so
    matching places would join two exports' pseudonyms: each export shuffles them."""
    ids = world(db)
    orders = []
    for attempt in ("a", "b", "c"):
        bundle = build(db, tmp_path / attempt, ids, survey_keys=("climate",))
        frame = pd.read_csv(unzip(tmp_path / attempt, bundle) / "climate.csv")
        orders.append(tuple(frame.sort_values("row")["belonging"]))
    assert len(orders[0]) >= 10 and len(set(orders)) > 1


def test_an_empty_scope_writes_no_bundle_and_says_why(db: Database, tmp_path: Path) -> None:
    ids = world(db)
    with pytest.raises(EmptyExport, match="No responses match"):
        build(db, tmp_path, ids, date_from=date(2030, 1, 1))
    assert not list(tmp_path.glob("*.zip"))


def test_a_scope_whose_groups_are_all_below_k_writes_no_bundle(
    db: Database, tmp_path: Path
) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        f.answered(session, programme, PULSE)
        ids = {"firm": programme.firm_id, "programme": programme.id}
    with pytest.raises(EmptyExport, match="smaller than 5"):
        build(db, tmp_path, ids, survey_keys=("mentor_pulse",))
    assert not list(tmp_path.glob("*.zip"))


def _people_per_group(frame: pd.DataFrame) -> pd.Series:
    columns = [c for c in QI_COLUMNS if c in frame.columns]
    return frame.groupby(columns, dropna=False)["person"].nunique()


def test_k_counts_people_so_one_persons_many_pulses_are_not_a_group_of_k(
    db: Database, tmp_path: Path
) -> None:
    """Five pulses of one person look like a group of k=5 responses, but hold one person:
    the mixer (counting person tags) never stores them as a group, so no export shows
    it; every group the export shows holds 5 distinct people by its per-export
    pseudonyms, which the worker made from the encrypted pairing records."""
    with db.transaction() as session:
        firm = f.firm(session, min_group_size=5)
        programme = f.programme(session, firm, longitudinal=True)
        for i in range(10):  # ten people, one pulse each
            submit(session, programme, PULSE, person=f"crowd{i}", pseudonym=f"{i:064x}")
        for _ in range(5):  # one senior person, five pulses in the same week
            submit(
                session, programme, PULSE, person="solo", pseudonym="f" * 64, level_band="senior"
            )
        ids = {"firm": firm.id, "programme": programme.id}
    mix(db, k=5, today=date(2026, 3, 10))
    bundle = build(db, tmp_path, ids, survey_keys=("mentor_pulse",))
    frame = pd.read_csv(unzip(tmp_path, bundle) / "mentor_pulse.csv", keep_default_na=False)
    assert "senior" not in set(frame["level_band"])  # the lone person's group is not shown
    assert frame["person"].nunique() == 10 and len(frame) == 10
    assert _people_per_group(frame).min() >= 5
    assert bundle.report["k_achieved"] >= 5
    assert any("distinct people" in note for note in bundle.report["notes"])


def _content(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    kept = frame.drop(columns=["row", "person"], errors="ignore").astype(str)
    return sorted(kept.itertuples(index=False, name=None))


def test_two_exports_of_one_scope_are_one_release_and_cannot_refine_each_other(
    db: Database, tmp_path: Path
) -> None:
    """Joining two exports of the same scope on their content matches every row to an
    identical row: same generalisation, same blanks, so nothing is refined; every
    quasi-identifier group in either holds k people."""
    ids = world(db)
    bundles = [build(db, tmp_path / a, ids) for a in ("a", "b")]
    frames = {
        key: [
            pd.read_csv(unzip(tmp_path / a, b) / f"{key}.csv", keep_default_na=False)
            for a, b in zip(("a", "b"), bundles, strict=True)
        ]
        for key in ("mentor_pulse", "climate")
    }
    assert bundles[0].report["release"] == bundles[1].report["release"]
    for field in ("generalised", "values_suppressed_by_column", "rows_released", "k_achieved"):
        assert bundles[0].report[field] == bundles[1].report[field], field
    for key, (first, second) in frames.items():
        # A content join pairs every row with an identical one: no value one export
        # shows is blanked or coarser in the other.
        assert _content(first) == _content(second), key
        columns = [c for c in QI_COLUMNS if c in first.columns]
        merged = first.merge(second, on=[c for c in first.columns if c not in ("row", "person")])
        assert len(merged) >= len(first)
        for frame in (first, second):
            if "person" in frame.columns:
                assert _people_per_group(frame).min() >= 5, key
            else:  # climate: one response per person per round
                assert frame.groupby(columns).size().min() >= 5, key
    with db.sessions() as session:
        from surveys.db.models import ExportRelease

        assert session.scalar(select(func.count()).select_from(ExportRelease)) == 1


def test_the_release_is_frozen_to_its_periods_and_new_combinations_are_withheld(
    db: Database, tmp_path: Path
) -> None:
    """Responses of a later period form the lineage's next generation (released on their
    own, each group holding k); a new combination in a covered period is withheld."""
    ids = world(db)
    first = build(db, tmp_path / "a", ids, survey_keys=("mentor_pulse",))
    with db.transaction() as session:
        from surveys.db.models import Programme

        programme = session.get(Programme, ids["programme"])
        assert programme is not None
        for i in range(6):  # a later period: not in the release
            f.answered(session, programme, PULSE, submitted_on=date(2026, 6, 1), pseudonym=f"n{i}")
        for i in range(6):  # a covered period, a combination the plan never saw
            f.answered(
                session,
                programme,
                PULSE,
                submitted_on=date(2026, 2, 3),
                pseudonym=f"m{i}",
                role="mentee",
                tenure_band="10y+",
            )
    second = build(db, tmp_path / "b", ids, survey_keys=("mentor_pulse",))
    assert second.rows == first.rows + 6  # the later period, as the next generation
    before, after = first.report["release"], second.report["release"]
    assert after["generations"][:1] == before["generations"]
    assert len(after["generations"]) == 2 and after["generations"][1]["responses_when_made"] == 6
    assert second.report["generalised"] == first.report["generalised"]
    assert second.report["rows_withheld"] == first.report["rows_withheld"] + 6


def test_concurrent_first_exports_of_a_programme_store_one_release(pg_db: Database) -> None:
    import threading

    from surveys import disclosure
    from surveys.db.models import ExportRelease
    from surveys.export.releases import extend

    ids = world(pg_db)
    start = threading.Barrier(6)
    made: list[int] = []
    errors: list[BaseException] = []

    def make() -> None:
        try:
            start.wait()
            with pg_db.transaction() as session:
                found = extend(session, ids["firm"], ids["programme"], disclosure.Policy(5))
                made.extend(g.id for g in found)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(made) == 6 and len(set(made)) == 1
    with pg_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExportRelease)) == 1
