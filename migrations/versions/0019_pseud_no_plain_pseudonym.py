"""No plain pseudonym: responses lose ``pseudonym``; pairing moves into encrypted records

Revision ID: 0019_pseud
Revises: 0019_people
Create Date: 2026-12-08

A plain longitudinal pseudonym was equal across one person's stored responses,
so a database reader could intersect, across them, the people who could have
written each (PRODUCT.md 2.3; issue 22). From now on the mixer writes, beside
each longitudinal response, a ``pairing_records`` row: a secret box of (response
id, pseudonym) under a key derived from the workers' private key and
``FLIPSIDE_PSEUDONYM_SECRET`` (surveys/longitudinal/vault.py); paired results
are stored as ``paired_differences`` aggregates at k, each round pair once
(``paired_releases``).

Existing data. Each response's pseudonym is moved into a pairing record when
the process running the upgrade has both ``FLIPSIDE_MIXER_PRIVATE_KEY`` and
``FLIPSIDE_PSEUDONYM_SECRET`` in its environment: past responses stay paired,
and the next mixer pass computes the paired differences of every closed round
pair. Without both keys (a release process given only the public key, as web
processes are) the values are dropped with the column, and past responses stay
unpaired for good: only responses stored after the upgrade are paired. Nothing
can re-derive them afterwards -- that is the point -- though a backup taken
before the upgrade still holds the plain column; destroy such backups (or the
secret) to make the old pairing unreadable there too.

Downgrading restores an empty ``pseudonym`` column and drops the new tables
(the encrypted pseudonyms are not written back in plain form).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0019_pseud"
down_revision = "0019_people"
branch_labels = None
depends_on = None

#: As surveys/longitudinal/vault.py (kept here: migrations import no app code).
_LABEL = b"flipside/pairing-vault/v1"


def _decode(raw: str) -> bytes:
    text = raw.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _pairing_key() -> bytes | None:
    private = os.environ.get("FLIPSIDE_MIXER_PRIVATE_KEY", "").strip()
    secret = os.environ.get("FLIPSIDE_PSEUDONYM_SECRET", "").strip()
    if not private or not secret:
        return None
    label = hmac.new(_decode(secret), _LABEL, hashlib.sha256).digest()
    return hmac.new(label, _decode(private), hashlib.sha256).digest()


def _fixed(pseudonym: str) -> bytes:
    raw = pseudonym.encode()
    if len(raw) == 64 and all(c in b"0123456789abcdef" for c in raw):
        return raw
    return hashlib.sha256(raw).hexdigest().encode()


def _reseal(conn: sa.Connection) -> None:
    """Existing pseudonyms into pairing records, when the keys are at hand."""
    key = _pairing_key()
    rows = conn.execute(
        sa.text(
            "SELECT id, programme_id, pseudonym FROM responses WHERE pseudonym IS NOT NULL"
        )
    ).all()
    if key is None or not rows:
        return
    from nacl.secret import SecretBox

    box = SecretBox(key)
    records = []
    for rid, programme_id, alias in rows:
        response_id = rid if isinstance(rid, uuid.UUID) else uuid.UUID(str(rid))
        sealed = bytes(box.encrypt(response_id.bytes + _fixed(alias)))
        records.append({"id": uuid.uuid4(), "programme_id": programme_id, "sealed": sealed})
    random.SystemRandom().shuffle(records)
    table = sa.table(
        "pairing_records",
        sa.column("id", sa.Uuid),
        sa.column("programme_id", sa.Integer),
        sa.column("sealed", sa.LargeBinary),
    )
    conn.execute(sa.insert(table), records)


def upgrade() -> None:
    op.create_table(
        "pairing_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_pairing_records_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_records")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_pairing_records_programme_id"), "pairing_records", ["programme_id"], unique=False
    )
    round_pair = (
        sa.Column("before_round_id", sa.Integer(), nullable=False),
        sa.Column("after_round_id", sa.Integer(), nullable=False),
    )
    op.create_table(
        "paired_releases",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("survey_key", sa.String(length=60), nullable=False),
        *(sa.Column(c.name, c.type, nullable=False) for c in round_pair),
        *_foreign_keys("paired_releases"),
        sa.PrimaryKeyConstraint(
            "programme_id",
            "survey_key",
            "before_round_id",
            "after_round_id",
            name=op.f("pk_paired_releases"),
        ),
    )
    op.create_table(
        "paired_differences",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("survey_key", sa.String(length=60), nullable=False),
        sa.Column("question_key", sa.String(length=60), nullable=False),
        *(sa.Column(c.name, c.type, nullable=False) for c in round_pair),
        sa.Column("attribute", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("histogram", sa.JSON(), nullable=False),
        *_foreign_keys("paired_differences"),
        sa.PrimaryKeyConstraint(
            "programme_id",
            "survey_key",
            "question_key",
            "before_round_id",
            "after_round_id",
            "attribute",
            "value",
            name=op.f("pk_paired_differences"),
        ),
    )
    _reseal(op.get_bind())
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("pseudonym")


def _foreign_keys(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f(f"fk_{table}_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["before_round_id"],
            ["survey_rounds.id"],
            name=op.f(f"fk_{table}_before_round_id_survey_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["after_round_id"],
            ["survey_rounds.id"],
            name=op.f(f"fk_{table}_after_round_id_survey_rounds"),
            ondelete="CASCADE",
        ),
    ]


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pseudonym", sa.String(length=64), nullable=True))
    op.drop_table("paired_differences")
    op.drop_table("paired_releases")
    op.drop_index(op.f("ix_pairing_records_programme_id"), table_name="pairing_records")
    op.drop_table("pairing_records")
