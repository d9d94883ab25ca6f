"""Evaluation plans: each programme's declared outcomes, frozen at the first release

Revision ID: 0019_eval
Revises: 0019_pseud
Create Date: 2026-12-08

One row per plan version (surveys/db/models/plans.py): version 1 as declared,
or the default written when the first result is released; later versions are
dated amendments. Downgrading drops the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_eval"
down_revision = "0019_pseud"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("frozen_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_evaluation_plans_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_plans")),
        sa.UniqueConstraint(
            "programme_id", "version", name=op.f("uq_evaluation_plans_programme_id_version")
        ),
    )


def downgrade() -> None:
    op.drop_table("evaluation_plans")
