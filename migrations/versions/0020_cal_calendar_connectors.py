"""Calendar connectors: per-firm sources, calendar meeting sources, the others rule

Revision ID: 0020_cal
Revises: 0020_scales
Create Date: 2026-12-08

Adds ``calendar_connectors`` (no credentials: ``secret_env`` names an
environment variable), widens the meeting sources with the connector kinds,
and gives programmes ``calendar_max_others`` (default 1). Downgrading removes
calendar meetings first (their source would no longer be allowed).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_cal"
down_revision = "0020_scales"
branch_labels = None
depends_on = None

OLD = "source IN ('participant', 'staff', 'csv', 'api', 'webhook', 'demo')"
NEW = (
    "source IN ('participant', 'staff', 'csv', 'api', 'webhook', 'demo', "
    "'caldav', 'ics', 'graph', 'google')"
)


def upgrade() -> None:
    op.create_table(
        "calendar_connectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("username", sa.String(length=254), nullable=True),
        sa.Column("secret_env", sa.String(length=100), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("lookback_days", sa.Integer(), nullable=False),
        sa.Column("sync_state", sa.Text(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("retry_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('caldav', 'ics', 'graph', 'google')",
            name=op.f("ck_calendar_connectors_kind"),
        ),
        sa.CheckConstraint(
            "lookback_days BETWEEN 1 AND 90", name=op.f("ck_calendar_connectors_lookback_days")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["firms.id"],
            name=op.f("fk_calendar_connectors_firm_id_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_connectors")),
    )
    with op.batch_alter_table("calendar_connectors") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_connectors_firm_id"), ["firm_id"], unique=False
        )
    with op.batch_alter_table("meetings") as batch_op:
        batch_op.drop_constraint(op.f("ck_meetings_source"), type_="check")
        batch_op.create_check_constraint(op.f("ck_meetings_source"), NEW)
    with op.batch_alter_table("programmes") as batch_op:
        batch_op.add_column(
            sa.Column("calendar_max_others", sa.Integer(), server_default="1", nullable=False)
        )


def downgrade() -> None:
    op.execute(
        "DELETE FROM meetings WHERE source IN ('caldav', 'ics', 'graph', 'google')"
    )
    with op.batch_alter_table("programmes") as batch_op:
        batch_op.drop_column("calendar_max_others")
    with op.batch_alter_table("meetings") as batch_op:
        batch_op.drop_constraint(op.f("ck_meetings_source"), type_="check")
        batch_op.create_check_constraint(op.f("ck_meetings_source"), OLD)
    op.drop_table("calendar_connectors")
