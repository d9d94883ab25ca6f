"""The value ``*`` (an attribute the mixer generalised to reach k) is explained wherever a
researcher reads the bundle: the codebook (Markdown and HTML), the .sav and .dta value
labels and the bundle's README."""

from __future__ import annotations

from pathlib import Path

import pyreadstat

from surveys.db.session import Database
from surveys.export.fields import GENERALISED_LABEL
from tests.integration.test_export_bundle import build, unzip
from tests.support import factories as f


def test_the_generalised_value_is_labelled_and_explained(db: Database, tmp_path: Path) -> None:
    with db.transaction() as session:
        firm = f.firm(session, slug="acme", min_group_size=5)
        programme = f.programme(session, firm)
        for gender_group in ("woman",) * 6 + ("*",) * 6:
            f.answered(
                session,
                programme,
                {"belonging": 3, "gender": "woman", "ethnicity": "white"},
                survey_key="climate",
                role="comparison",
                gender_group=gender_group,
            )
        ids = {"firm": firm.id, "programme": programme.id}
    folder = unzip(tmp_path, build(db, tmp_path, ids, survey_keys=("climate",)))
    _, sav = pyreadstat.read_sav(str(folder / "climate.sav"))
    _, dta = pyreadstat.read_dta(str(folder / "climate.dta"))
    for meta in (sav, dta):
        labels = meta.variable_value_labels["gender_group"]
        assert {GENERALISED_LABEL, "woman"} <= set(labels.values())
    markdown = (folder / "codebook.md").read_text()
    assert "## The value *" in markdown and "'any value'" in markdown
    assert f"| * | {GENERALISED_LABEL} |" in markdown  # the column's own table
    html = (folder / "codebook.html").read_text()
    assert "<h2>The value *</h2>" in html and "&#x27;any value&#x27;" in html
    readme = " ".join((folder / "README.txt").read_text().split())
    assert "The value * in role, level_band, tenure_band or gender_group means" in readme
