"""Comments released with their batch; an index for the dashboard's readers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pooled_comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("survey_key", sa.String(length=60), nullable=False),
        sa.Column("survey_version", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=60), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("level_band", sa.String(length=10), nullable=False),
        sa.Column("tenure_band", sa.String(length=10), nullable=False),
        sa.Column("gender_group", sa.String(length=12), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pooled_comments")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("pooled_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pooled_comments_programme_id"), ["programme_id"], unique=False
        )
    with op.batch_alter_table("aggregate_cells", schema=None) as batch_op:
        batch_op.create_index(
            "ix_aggregate_cells_reader",
            ["programme_id", "survey_key", "question_key"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("aggregate_cells", schema=None) as batch_op:
        batch_op.drop_index("ix_aggregate_cells_reader")
    with op.batch_alter_table("pooled_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pooled_comments_programme_id"))
    op.drop_table("pooled_comments")
