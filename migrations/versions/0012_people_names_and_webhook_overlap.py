"""People's names, line manager and team; indexes for the people pages; webhook secret overlap

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

The HR import gains optional ``given_name``, ``family_name``, ``manager_id`` and
``team`` columns (NULL for everyone imported before). The people pages sort by
name and filter by level, practice area and office within a firm, hence the
indexes. A firm keeps the salt its webhook secret had before the last rotation,
and when it rotated, so the old secret keeps working for an overlap period.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_PEOPLE_COLUMNS = ("given_name", "family_name", "manager_id", "team")
_INDEXES = {
    "ix_people_firm_name": ["firm_id", "family_name", "given_name", "internal_id"],
    "ix_people_firm_level": ["firm_id", "level"],
    "ix_people_firm_practice_area": ["firm_id", "practice_area"],
    "ix_people_firm_office": ["firm_id", "office"],
}


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        for name in _PEOPLE_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=100), nullable=True))
    for name, columns in _INDEXES.items():
        op.create_index(name, "people", columns)
    with op.batch_alter_table("firms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webhook_previous_salt", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("webhook_rotated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("firms", schema=None) as batch_op:
        batch_op.drop_column("webhook_rotated_at")
        batch_op.drop_column("webhook_previous_salt")
    for name in _INDEXES:
        op.drop_index(name, table_name="people")
    with op.batch_alter_table("people", schema=None) as batch_op:
        for name in reversed(_PEOPLE_COLUMNS):
            batch_op.drop_column(name)
