"""Dashboard reports decided once per release by the worker and stored for web processes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "released_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("release_version", sa.BigInteger(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("extra", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_released_reports_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_released_reports")),
        sa.UniqueConstraint(
            "programme_id", "name", "release_version", "k", "extra", name="uq_released_reports_key"
        ),
    )


def downgrade() -> None:
    op.drop_table("released_reports")
