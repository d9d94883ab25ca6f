"""reliability_releases: each released alpha/omega of a scale's scope (n and a digest).

Revision ID: 0020_scales
Revises: 0019_scale
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_scales"
down_revision = "0019_scale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reliability_releases",
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=300), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_reliability_releases_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("firm_id", "scope", "digest", name=op.f("pk_reliability_releases")),
    )


def downgrade() -> None:
    op.drop_table("reliability_releases")
