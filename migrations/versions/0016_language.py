"""participants' language: people.language (HR file) and firms.default_language

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30

Both optional: NULL means the next rule decides (the browser's Accept-Language,
then the firm's default, then English). The language is never stored with an
answer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.drop_column('default_language')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('language')
