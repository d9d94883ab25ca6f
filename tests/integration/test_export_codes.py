"""Missing codes, measure levels, safe CSV and the documents, read back with the real readers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from frictionless import Package

from surveys.db.session import Database
from surveys.definitions import catalogue
from surveys.export.fields import table_fields
from surveys.export.missing import NOT_ANSWERED, SUPPRESSED
from surveys.export.writers import TableWriter
from tests.integration.test_export_bundle import build, unzip, world
from tests.support import factories as f

ROOT = Path(__file__).resolve().parents[2]
#: One text per OWASP starting character, bare and after leading whitespace.
FORMULAS = [
    '=HYPERLINK("http://x.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\tlooks indented",
    "\rcarriage",
    "  =1+1",
    " \t@SUM(1)",
]


def test_sav_declares_the_codes_user_missing_and_each_variable_its_measure_level(
    db: Database, tmp_path: Path
) -> None:
    folder = unzip(tmp_path, build(db, tmp_path, world(db)))
    sav, meta = pyreadstat.read_sav(str(folder / "climate.sav"), user_missing=True)
    # can_progress was asked in version 1 and never answered: not answered, user-missing.
    assert set(sav["can_progress"]) == {float(NOT_ANSWERED)}
    assert meta.missing_ranges["can_progress"] == [{"lo": -99.0, "hi": -96.0}]
    assert meta.variable_value_labels["can_progress"][-99.0] == "not answered"
    assert meta.variable_measure["belonging"] == "ordinal"
    assert meta.variable_measure["recommend_firm"] == "scale"
    assert meta.variable_measure["role"] == "nominal"
    assert meta.variable_measure["tenure_band"] == "ordinal"
    # Read without user_missing, the codes are system-missing: no -99 enters a mean.
    plain, _ = pyreadstat.read_sav(str(folder / "climate.sav"))
    assert plain["can_progress"].isna().all()
    # Coded text is a labelled number: the labels give the released categories back.
    labelled, _ = pyreadstat.read_sav(str(folder / "climate.sav"), apply_value_formats=True)
    csv = pd.read_csv(folder / "climate.csv", dtype=str, keep_default_na=False)
    assert sorted(labelled["role"].astype(str)) == sorted(csv["role"])


def test_stata_holds_the_codes_as_extended_missing_values(db: Database, tmp_path: Path) -> None:
    folder = unzip(tmp_path, build(db, tmp_path, world(db)))
    frame = pd.read_stata(folder / "climate.dta", convert_missing=True, convert_categoricals=False)
    missing = frame["can_progress"]
    assert all(isinstance(v, pd.io.stata.StataMissingValue) for v in missing)
    assert {v.string for v in missing} == {".d"}  # -99, not answered
    tagged, meta = pyreadstat.read_dta(str(folder / "climate.dta"), user_missing=True)
    assert set(tagged["can_progress"]) == {"d"}
    assert meta.variable_value_labels["can_progress"]["d"] == "not answered"


def test_suppressed_values_carry_their_code_in_every_format(db: Database, tmp_path: Path) -> None:
    bundle = build(db, tmp_path, world(db))
    folder = unzip(tmp_path, bundle)
    suppressed = 0
    for key in ("mentor_pulse", "climate"):
        csv = pd.read_csv(folder / f"{key}.csv", dtype=str, keep_default_na=False)
        parquet = pq.read_table(folder / f"{key}.parquet").to_pandas()
        sav, _ = pyreadstat.read_sav(str(folder / f"{key}.sav"), user_missing=True)
        for column in ("role", "level_band", "tenure_band", "gender_group", "gender"):
            if column in csv.columns:
                n = int((csv[column] == str(SUPPRESSED)).sum())
                assert n == int((parquet[column] == str(SUPPRESSED)).sum())
                assert n == int((sav[column] == SUPPRESSED).sum())
                suppressed += n
        assert "" not in set(csv["role"])  # a blank no longer means three things
    assert suppressed == bundle.report["values_suppressed"]


def test_the_datapackage_validates_with_enums_and_describes_the_bundle(
    db: Database, tmp_path: Path
) -> None:
    folder = unzip(tmp_path, build(db, tmp_path, world(db)))
    report = Package(str(folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((folder / "datapackage.json").read_text())
    climate = next(r for r in package["resources"] if r["name"] == "climate")
    fields = {field["name"]: field for field in climate["schema"]["fields"]}
    csv = pd.read_csv(folder / "climate.csv", dtype=str, keep_default_na=False)
    released = set(csv["role"]) - {str(SUPPRESSED)}
    assert set(fields["role"]["constraints"]["enum"]) == released
    assert fields["belonging"]["title"] == catalogue().get("climate", 1).questions[0].text
    assert package["missingCodes"][1] == {
        "code": -97,
        "label": "suppressed by disclosure control",
        "stata": ".b",
    }
    assert package["licenses"] and package["citation"] and package["created"]
    assert package["surveyVersions"][0]["survey"] == "climate"
    # The period column is named for what it holds.
    level = json.loads((folder / "disclosure-report.json").read_text())["generalised"]["month"]
    expected = {"as recorded": "month", "quarter": "quarter", "year": "year"}[level]
    assert expected in fields and "month" not in fields or expected == "month"
    codebook = (folder / "codebook.md").read_text()
    assert "suppressed by disclosure control" in codebook and "single quote" in codebook
    assert (folder / "codebook.html").read_text().startswith("<!doctype html>")
    assert "read_sav" in (folder / "load.R").read_text()
    assert "MISSING VALUES" in (folder / "load.sps").read_text()
    assert 'use "climate.dta"' in (folder / "load.do").read_text()


def test_codebook_counts_below_k_are_hidden(db: Database, tmp_path: Path) -> None:
    folder = unzip(tmp_path, build(db, tmp_path, world(db)))
    codebook = (folder / "codebook.md").read_text()
    section = codebook[codebook.index("### belonging") :]
    section = section[: section.index("### ", 4)]
    # belonging 1..5 twice each among ten people (k = 5): no count under 5 is printed.
    rows = [line.split("|") for line in section.splitlines() if line.startswith("| ")][1:]
    for cells in rows:
        count = cells[3].strip()
        assert count.startswith("<") or int(count) >= 5, cells
    # A column's only value is shown: codes no row carries do not hide it.
    pulse = codebook[codebook.index("## mentor_pulse") :]
    firm = pulse[pulse.index("### firm") :]
    assert "| acme |  | 12 |" in firm[: firm.index("### ", 4)]


def _manual_promises() -> tuple[set[str], set[str]]:
    section = (ROOT / "docs" / "exports.md").read_text()
    files = re.search(r"Bundle files:(.*?)\n\n", section, re.S)
    fields = re.search(r"datapackage\.json properties:(.*?)\n\n", section, re.S)
    assert files and fields, "docs/exports.md lists the bundle's files and properties"
    return set(re.findall(r"`([^`]+)`", files.group(1))), set(
        re.findall(r"`([^`]+)`", fields.group(1))
    )


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_the_bundle_has_every_file_and_property_the_manual_promises(
    db: Database, tmp_path: Path
) -> None:
    bundle = build(db, tmp_path, world(db))
    with zipfile.ZipFile(tmp_path / bundle.file_name) as archive:
        names = set(archive.namelist())
        package = json.loads(archive.read("datapackage.json"))
    files, properties = _manual_promises()
    assert files and properties
    for name in files:
        expanded = {name.replace("<survey>", key) for key in ("mentor_pulse", "climate")}
        assert expanded <= names, name
    assert properties <= _keys(package), properties - _keys(package)


def test_every_formula_start_is_neutralised_in_csv_and_kept_elsewhere(tmp_path: Path) -> None:
    fields = table_fields([catalogue().get("climate", 1)], pseudonyms=True, with_comments=True)
    text = [i for i, field in enumerate(fields) if field.type == "string"]
    writer = TableWriter(tmp_path, "climate", fields)
    rows = []
    for n, formula in enumerate(FORMULAS):
        row: list[object] = [n if field.type == "integer" else None for field in fields]
        for i in text:
            row[i] = formula
        rows.append(row)
    writer.write(rows)
    writer.close()
    csv = pd.read_csv(tmp_path / "climate.csv", dtype=str, keep_default_na=False)
    parquet = pq.read_table(tmp_path / "climate.parquet").to_pandas()
    for i in text:
        name = fields[i].name
        assert list(csv[name]) == ["'" + t for t in FORMULAS], name
        assert list(parquet[name]) == FORMULAS, name
    assert Counter(writer.counts["role"]) == Counter({t: 1 for t in FORMULAS})


def test_comments_planted_as_formulas_reach_the_csv_neutralised(
    db: Database, tmp_path: Path
) -> None:
    with db.transaction() as session:
        firm = f.firm(session, min_group_size=5)
        programme = f.programme(session, firm, longitudinal=True)
        for i in range(12):
            comment = FORMULAS[i % len(FORMULAS)] + " x"
            f.answered(
                session,
                programme,
                {"spoke_openly": 4, "comment": comment},
                submitted_on=date(2026, 2, 2),
                pseudonym=f"c{i}",
            )
        ids = {"firm": firm.id, "programme": programme.id}
    bundle = build(db, tmp_path, ids, comments=True, survey_keys=("mentor_pulse",))
    folder = unzip(tmp_path, bundle)
    csv = pd.read_csv(folder / "mentor_pulse.csv", dtype=str, keep_default_na=False)
    assert all(c.startswith("'") for c in csv["comment"])
    sav, _ = pyreadstat.read_sav(str(folder / "mentor_pulse.sav"))
    dta, _ = pyreadstat.read_dta(str(folder / "mentor_pulse.dta"))
    written = sorted(t + " x" for t in (FORMULAS * 2)[:12])
    assert sorted(pq.read_table(folder / "mentor_pulse.parquet")["comment"].to_pylist()) == written
    assert sorted(sav["comment"]) == written and sorted(dta["comment"]) == written


def _rscript_with_haven() -> str:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript is missing (make r-deps installs r-base-core and r-cran-haven)")
    check = subprocess.run([rscript, "-e", "library(haven)"], capture_output=True, check=False)
    if check.returncode != 0:
        pytest.skip("R's haven package is missing (make r-deps installs r-cran-haven)")
    return rscript


def test_load_r_reads_every_table_with_its_labels_and_missing_codes(
    db: Database, tmp_path: Path
) -> None:
    rscript = _rscript_with_haven()
    folder = unzip(tmp_path, build(db, tmp_path, world(db)))
    check = folder / "check.R"
    check.write_text(
        'source("load.R")\n'
        "x <- climate$can_progress\n"
        'cat(class(x)[1], attr(x, "na_range"), sum(is.na(climate_na$can_progress)), '
        "nrow(climate), names(attr(x, 'labels'))[attr(x, 'labels') == -99], "
        "as.character(as_factor(climate$belonging))[1] %in% c("
        "'Strongly disagree','Disagree','Neither agree nor disagree','Agree','Strongly agree'), "
        'sep = "|")\n'
    )
    done = subprocess.run(
        [rscript, "check.R"], cwd=folder, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    kind, lo, hi, missing, rows, label, labelled = done.stdout.strip().split("|")
    assert (kind, lo, hi, label, labelled) == (
        "haven_labelled_spss",
        "-99",
        "-96",
        "not answered",
        "TRUE",
    )
    assert int(missing) == int(rows) > 0
