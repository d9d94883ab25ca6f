"""The cohort vocabulary is declared once; the types spelled out for mypy keep to it."""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import UniqueConstraint

from surveys.aggregates.cells import GROUP_FIELDS, CellKey
from surveys.db.models import AggregateCell
from surveys.domain.vocab import CELL_KEY, COHORT, COHORT_VALUES
from surveys.reports.released_cells import SERIES_FIELDS, ReleasedCellView


def test_the_cell_key_types_spell_out_the_declared_key() -> None:
    assert CellKey._fields == CELL_KEY
    assert tuple(f.name for f in fields(ReleasedCellView)) == (
        "id",
        *CELL_KEY,
        "released_n",
        "released_total",
        "released_total_sq",
        "released_histogram",
        "released_people",
        "released_people_apart",
    )


def test_projections_of_the_key_follow_the_cohort() -> None:
    assert set(COHORT) == set(COHORT_VALUES)
    assert set(COHORT) <= set(GROUP_FIELDS) <= set(CELL_KEY)
    assert SERIES_FIELDS == ("survey_key", "survey_version", "question_key", "item", *COHORT)


def test_the_unique_constraint_is_the_cell_key_under_its_migrated_name() -> None:
    (unique,) = (c for c in AggregateCell.__table__.constraints if isinstance(c, UniqueConstraint))
    assert unique.name == "uq_aggregate_cells_key"
    assert tuple(column.name for column in unique.columns) == CELL_KEY
