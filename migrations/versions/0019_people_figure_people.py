"""Exact people behind each released figure, and the mixer's sealed respondent sets

Revision ID: 0019_people
Revises: 0018
Create Date: 2026-12-08

``figure_people``: per firm x survey version x question (or respondents, or an
option) x one cohort attribute value x period shown (month, round, programme to
date), the distinct people behind it and, per answer, those who gave another
(surveys/aggregates/people_counts.py). ``people_seals``: per firm x survey
version x open period (month, round), the period's sessions, and per firm x
survey version x programme, its respondents' programme-scoped person tags;
sealed to the mixer's public key and padded (surveys/intake/people_seals.py).

Both start empty: responses mixed before this revision have no tags left, so
their figures stay judged by the cells' lower bounds (0018) until the mixer
writes figures for new periods. Downgrading drops both tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_people"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figure_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("survey_key", sa.String(length=60), nullable=False),
        sa.Column("survey_version", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=60), nullable=False),
        sa.Column("item", sa.String(length=60), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("attribute", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.Column("apart", sa.JSON(), nullable=False),
        sa.Column("exact", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "period_kind IN ('month', 'round', 'programme')",
            name=op.f("ck_figure_people_period_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_people")),
        sa.UniqueConstraint(
            "programme_id",
            "survey_key",
            "survey_version",
            "question_key",
            "item",
            "firm_id",
            "attribute",
            "value",
            "period_kind",
            "period",
            name="uq_figure_people_key",
        ),
    )
    with op.batch_alter_table("figure_people", schema=None) as batch_op:
        batch_op.create_index(
            "ix_figure_people_reader", ["programme_id", "survey_key", "period_kind"], unique=False
        )
    op.create_table(
        "people_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("survey_key", sa.String(length=60), nullable=False),
        sa.Column("survey_version", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_seals")),
        sa.UniqueConstraint(
            "programme_id",
            "survey_key",
            "survey_version",
            "firm_id",
            "period_kind",
            "period",
            name="uq_people_seals_key",
        ),
    )


def downgrade() -> None:
    op.drop_table("people_seals")
    with op.batch_alter_table("figure_people", schema=None) as batch_op:
        batch_op.drop_index("ix_figure_people_reader")
    op.drop_table("figure_people")
