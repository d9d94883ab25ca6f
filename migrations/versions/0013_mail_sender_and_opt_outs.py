"""A firm's own sender and reply-to addresses; opt-outs from a programme's pulses or a firm's mail

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("firms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_from", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("reply_to", sa.String(length=254), nullable=True))
    op.create_table(
        "mail_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "(scope = 'programme') = (programme_id IS NOT NULL)",
            name=op.f("ck_mail_opt_outs_programme_iff_scoped"),
        ),
        sa.CheckConstraint(
            "scope IN ('programme', 'firm')", name=op.f("ck_mail_opt_outs_scope")
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"], ["firms.id"], name=op.f("fk_mail_opt_outs_firm_id_firms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_mail_opt_outs_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_mail_opt_outs_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_opt_outs")),
    )
    with op.batch_alter_table("mail_opt_outs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_opt_outs_firm_id"), ["firm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_opt_outs_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mail_opt_outs_programme_id"), ["programme_id"], unique=False
        )
        batch_op.create_index(
            "uq_mail_opt_outs_firm",
            ["person_id", "firm_id"],
            unique=True,
            sqlite_where=sa.text("scope = 'firm'"),
            postgresql_where=sa.text("scope = 'firm'"),
        )
        batch_op.create_index(
            "uq_mail_opt_outs_programme",
            ["person_id", "programme_id"],
            unique=True,
            sqlite_where=sa.text("scope = 'programme'"),
            postgresql_where=sa.text("scope = 'programme'"),
        )


def downgrade() -> None:
    op.drop_table("mail_opt_outs")
    with op.batch_alter_table("firms", schema=None) as batch_op:
        batch_op.drop_column("reply_to")
        batch_op.drop_column("mail_from")
