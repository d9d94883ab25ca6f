"""cross-organisation programmes: member firms, coordinators and their programmes

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30

Every existing programme gets its owning firm as its one member. Accounts may now
have the role 'coordinator' (programmes, not firms); downgrading deletes coordinators.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_ROLES_BEFORE = "role IN ('admin', 'lead', 'researcher')"
_ROLES_AFTER = "role IN ('admin', 'lead', 'researcher', 'coordinator')"


def upgrade() -> None:
    op.create_table('programme_members',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_programme_members_firm_id_firms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_members_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', 'firm_id', name=op.f('pk_programme_members'))
    )
    with op.batch_alter_table('programme_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_members_firm_id'), ['firm_id'], unique=False)

    op.create_table('account_programmes',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_programmes_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_account_programmes_programme_id_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'programme_id', name=op.f('pk_account_programmes'))
    )
    op.execute(
        "INSERT INTO programme_members (programme_id, firm_id, joined_at)"
        " SELECT id, firm_id, created_at FROM programmes"
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_accounts_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_accounts_role'), sa.text(_ROLES_AFTER))


def downgrade() -> None:
    op.execute("DELETE FROM accounts WHERE role = 'coordinator'")
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_accounts_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_accounts_role'), sa.text(_ROLES_BEFORE))
    op.drop_table('account_programmes')
    with op.batch_alter_table('programme_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_members_firm_id'))
    op.drop_table('programme_members')
