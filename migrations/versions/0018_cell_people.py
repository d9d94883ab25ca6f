"""Aggregate cells say how many people (not sessions) their released answers rest on

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30

``released_people`` and ``released_people_apart`` are lower bounds the mixer
keeps from person tags before dropping them (surveys/aggregates/people.py).
Existing rows have no tags any more (0008 re-mixed them and dropped every
person link), so they get only what is known for sure:

* **Climate rounds** (``period_kind = 'round'``): one response per person per
  round (one invitation per person and round, ``uq (person_id, round_id)``,
  claimed once), so responses *are* people: ``released_people`` is
  ``released_n``, and the people who gave another answer than a value are the
  cell's answers minus that value's (an option's: the responses of its cohort
  and round minus those that chose it). Exact, so climate results look the same.
* **Pulses** (weeks and months): a person may have several sessions in a cell
  and nothing left tells how many, so they get 0 -- "not known to rest on k
  people" -- and are hidden until a mixer batch counts people into the same
  cell again (its bound then covers the cell: more responses cannot rest on
  fewer people). Hiding is the only sound choice; guessing from the batch rule
  (each stored batch held k people) would say nothing about one question's
  cells or one answer's.

Downgrading drops the two columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_cells = sa.table(
    "aggregate_cells",
    sa.column("id", sa.Integer),
    sa.column("survey_key", sa.String),
    sa.column("survey_version", sa.Integer),
    sa.column("question_key", sa.String),
    sa.column("item", sa.String),
    sa.column("firm_id", sa.Integer),
    sa.column("programme_id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("level_band", sa.String),
    sa.column("tenure_band", sa.String),
    sa.column("gender_group", sa.String),
    sa.column("period_kind", sa.String),
    sa.column("period", sa.String),
    sa.column("released_n", sa.BigInteger),
    sa.column("released_histogram", sa.JSON),
    sa.column("released_people", sa.BigInteger),
    sa.column("released_people_apart", sa.JSON),
)
_GROUP = (
    "survey_key",
    "survey_version",
    "firm_id",
    "programme_id",
    "role",
    "level_band",
    "tenure_band",
    "gender_group",
    "period",
)


def upgrade() -> None:
    with op.batch_alter_table("aggregate_cells", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("released_people", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("released_people_apart", sa.JSON(), server_default="{}", nullable=False)
        )
    conn = op.get_bind()
    rows = conn.execute(sa.select(_cells).where(_cells.c.period_kind == "round")).all()
    respondents = {
        tuple(getattr(row, name) for name in _GROUP): int(row.released_n)
        for row in rows
        if row.question_key == ""
    }
    for row in rows:
        n = int(row.released_n)
        histogram = {str(k): int(v) for k, v in (row.released_histogram or {}).items() if v}
        if row.question_key == "":
            apart: dict[str, int] = {}
        elif row.item:
            group = tuple(getattr(row, name) for name in _GROUP)
            apart = {"1": max(respondents.get(group, n) - n, 0)}
        else:
            apart = {value: n - count for value, count in histogram.items()}
        conn.execute(
            sa.update(_cells)
            .where(_cells.c.id == row.id)
            .values(released_people=n, released_people_apart=apart)
        )


def downgrade() -> None:
    with op.batch_alter_table("aggregate_cells", schema=None) as batch_op:
        batch_op.drop_column("released_people_apart")
        batch_op.drop_column("released_people")
