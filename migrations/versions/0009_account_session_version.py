"""A session version per staff account: logout, password change and deactivation end sessions

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24

A signed-in browser's cookie carries the account's session version at sign-in;
a request whose version is not the account's current one is signed out
(webapp/auth/sessions.py). Existing cookies carry no version, so every session
open at upgrade time ends once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="1", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("session_version")
