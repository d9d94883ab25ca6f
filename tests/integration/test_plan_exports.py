"""A research bundle's expected.json says which of its comparisons the evaluation plan made."""

from __future__ import annotations

import json
from pathlib import Path

from surveys.db.session import Database
from tests.integration.test_export_analysis import bundle, study


def test_expected_json_labels_the_plans_comparisons_and_the_exploratory_rest(
    db: Database, tmp_path: Path
) -> None:
    ids = study(db)
    folder = bundle(db, tmp_path, ids["firm"], ids["programme"])
    comparisons = json.loads((folder / "analysis" / "expected.json").read_text())["comparisons"]
    status = {(c["comparison"], c["round"], c["outcome"]): c["status"] for c in comparisons}
    assert all(c["planned"] == (c["status"] == "planned") for c in comparisons)
    # The default plan: before/after on every scored climate item, first round to last ...
    assert status[("did", "autumn", "climate:recommend_firm")] == "planned"
    assert status[("did", "autumn", "climate:belonging")] == "planned"
    # ... and participants vs comparison group on the index and the 0-10 item, latest round.
    assert status[("participants", "autumn", "index:climate")] == "planned"
    assert status[("participants", "autumn", "climate:recommend_firm")] == "planned"
    # Not planned: another item, an earlier round, mentors vs mentees on the climate survey.
    assert status[("participants", "autumn", "climate:belonging")] == "exploratory"
    assert status[("participants", "spring", "index:climate")] == "exploratory"
    assert status[("mentors-mentees", "autumn", "climate:belonging")] == "exploratory"
    assert {c["status"] for c in comparisons} == {"planned", "exploratory"}
