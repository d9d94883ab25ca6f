"""The comparison builder's words: scales named in every sentence, notes kept out of warnings.

A warning asks the reader to doubt a result (too few answers, a low response
rate); a note on the method says how it was computed (other firms pooled, the
climate index compared by Welch's t only). The page shows warnings under
"Warnings" and notes under "Notes on the methods", each once.
"""

from __future__ import annotations

from datetime import date

import pytest

from surveys.db.session import Database
from surveys.reports.builder.request import INDEX, climate_index_items
from tests.integration.test_comparison_builder import (
    MENTEES,
    MENTORS,
    OTHERS,
    cell,
    climate_round,
    run,
)
from tests.support import factories as f


@pytest.fixture
def programme_id(db: Database) -> int:
    with db.transaction() as session:
        programme = f.programme(session)
        round_ = climate_round(session, programme, "follow-up", date(2026, 6, 1))
        session.add_all(
            [
                cell(programme, round_, "mentor", MENTORS),
                cell(programme, round_, "mentee", MENTEES),
                cell(programme, round_, "comparison", OTHERS),
                cell(programme, round_, "mentor", {"7": 4, "9": 5}, "recommend_firm"),
                cell(programme, round_, "mentee", {"3": 3, "10": 4}, "recommend_firm"),
                cell(programme, round_, "comparison", {"5": 5, "8": 5}, "recommend_firm"),
            ]
        )
        return programme.id


@pytest.mark.parametrize("test", ["mwu", "brunner-munzel"])
@pytest.mark.parametrize(
    ("outcome", "scale"), [("climate:intend_to_stay", "1–5"), ("climate:recommend_firm", "0–10")]
)
def test_a_rank_test_sentence_names_the_scale(
    db: Database, programme_id: int, test: str, outcome: str, scale: str
) -> None:
    query = {"outcome": [outcome], "comparison": ["participants"], "test": [test]}
    summary = run(db, programme_id, query).rows[0].result.summary
    assert f"answer higher on a {scale} scale than" in summary or (
        f"answered higher on a {scale} scale than" in summary
    ), summary
    assert summary.count("scale") == 1


def test_a_mean_sentence_still_names_the_scale_once(db: Database, programme_id: int) -> None:
    query = {"outcome": ["climate:intend_to_stay"], "comparison": ["participants"]}
    summary = run(db, programme_id, query).rows[0].result.summary
    assert " points higher on a 1–5 scale than " in summary, summary
    assert summary.count("scale") == 1


def test_the_climate_index_welch_only_is_a_note_not_a_warning(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        round_ = climate_round(session, programme, "follow-up", date(2026, 6, 1))
        for item in climate_index_items():
            for role, answers in (("mentor", MENTORS), ("mentee", MENTEES), ("comparison", OTHERS)):
                session.add(cell(programme, round_, role, answers, item))
        programme_id = programme.id
    query = {"outcome": [INDEX], "comparison": ["participants"], "test": ["mwu"]}
    row = run(db, programme_id, query).rows[0]
    assert row.result is not None, row.refused
    assert not any("Welch's t only" in w for w in row.warnings), row.warnings
    assert any("Welch's t only" in n for n in row.result.notes)


def _benchmark_firms(db: Database) -> list[int]:
    ids = []
    with db.transaction() as session:
        for answers in ({"4": 6, "5": 5}, {"2": 5, "3": 5}, {"3": 6, "4": 6}):
            firm = f.firm(session, benchmarking_opt_in=True)
            programme = f.programme(session, firm)
            round_ = climate_round(session, programme, "follow-up", date(2026, 6, 1))
            session.add(cell(programme, round_, "comparison", answers))
            n = sum(answers.values())
            responses = cell(programme, round_, "comparison", {}, "")
            responses.n, responses.released_n = n, n
            responses.total = responses.total_sq = responses.released_total = 0
            responses.released_total_sq, responses.histogram = 0, {}
            session.add(responses)
            ids.append(programme.id)
    return ids


def test_how_a_benchmark_pools_other_firms_is_a_note_not_a_warning(db: Database) -> None:
    ids = _benchmark_firms(db)
    query = {"outcome": ["climate:intend_to_stay"], "comparison": ["benchmark"]}
    row = run(db, ids[0], query).rows[0]
    assert row.result is not None, row.refused
    assert not any("pooled" in w for w in row.warnings), row.warnings
    assert any(n.startswith("Other firms are pooled (2 firms") for n in row.result.notes)
