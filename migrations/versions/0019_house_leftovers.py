"""Leftovers of the per-response pipeline: the account lock columns and sealed-submission events

Revision ID: 0019_house
Revises: 0018
Create Date: 2026-12-08

``accounts.failed_logins`` and ``accounts.locked_until`` (with the CHECK on the
first) were never incremented nor read: failed sign-ins are rate limited by
Flask-Limiter, and nothing is locked on an account. Survey submissions no longer
write a ``submission.sealed`` outbox event (nothing consumed it); rows a
previous version left behind are deleted, as the relay no longer knows the topic.

Downgrading adds the two columns back (zero, unset) and the CHECK.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_house"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM outbox_events WHERE topic = 'submission.sealed'"))
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_accounts_failed_logins"), type_="check")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_accounts_failed_logins"), sa.text("failed_logins >= 0")
        )
