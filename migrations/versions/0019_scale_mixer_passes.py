"""The mixer's last completed pass, kept in the database for /healthz

Revision ID: 0019_scale
Revises: 0019_eval
Create Date: 2026-12-08

One row (``id = 1``), overwritten by every pass. Before this the time lived
only in a Redis heartbeat, so after a Redis restart /healthz said the mixer had
"never" run. Downgrading drops the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_scale"
down_revision = "0019_eval"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mixer_passes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_mixer_passes_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mixer_passes")),
    )


def downgrade() -> None:
    op.drop_table("mixer_passes")
