"""The sealed inbox's routing key indexed: a pass reads only the periods that are due

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_sealed_submissions_period"), "sealed_submissions", ["period"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sealed_submissions_period"), table_name="sealed_submissions")
