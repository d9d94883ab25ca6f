"""Anonymity at rest: the sealed inbox; responses hold a period, not a date; no pseudonym keys

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

Existing responses are re-mixed by the mixer's own rule (surveys/intake/mixer.py):
dates become ISO weeks (or the round), groups below k per (cohort, period) are
generalised upward ('*', week -> month), and what still cannot reach k is
deleted, with a printed count. Legacy rows carry no person tag, so each
response counts as one person here (the best that can be known). Existing
pseudonyms are re-keyed under FLIPSIDE_PSEUDONYM_SECRET (HMAC of the old
pseudonym), so pairs stay paired, and ``pseudonym_keys`` is dropped. The
aggregate cells and pooled comments are rebuilt from the re-mixed rows.

On PostgreSQL the old row versions stay on disk as dead tuples (with their
old dates and transaction ids) until the operator runs, after this migration:
``VACUUM FULL responses, answers, aggregate_cells, pooled_comments;``
(README, "Upgrading to the sealed inbox"). SQLite rewrites the table here.
Downgrading keeps the rows (a period's first day becomes the date) but loses
sealed submissions not yet mixed.
"""

from __future__ import annotations

import os
import random
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_COHORT_CHECKS = {
    "role": ("mentor", "mentee", "comparison"),
    "level_band": ("junior", "mid", "senior"),
    "tenure_band": ("<2y", "2-5y", "5-10y", "10y+"),
    "gender_group": ("woman", "man", "another", "undisclosed"),
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _remix(conn: sa.Connection) -> None:
    from surveys.domain.periods import week_of
    from surveys.intake.keys import load_keys, rekey_pseudonym
    from surveys.intake.mixer import Calendar, RoundState, Waiting, plan

    rows = conn.execute(
        sa.text(
            "SELECT id, survey_key, survey_version, submitted_on, firm_id, programme_id, "
            "round_id, role, level_band, tenure_band, gender_group, pseudonym FROM responses"
        )
    ).all()
    if not rows:
        return
    default_k = int(os.environ.get("FLIPSIDE_MIN_GROUP_SIZE", "").strip() or 5)
    k = {f: (s or default_k) for f, s in conn.execute(sa.text("SELECT id, min_group_size FROM firms"))}
    rounds: dict[int, RoundState] = {}
    found = conn.execute(
        sa.text("SELECT id, programme_id, survey_key, survey_version, opened_on, closed FROM survey_rounds")
    ).all()
    for r in found:
        later = sorted(
            (o.opened_on, o.id)
            for o in found
            if (o.programme_id, o.survey_key, o.survey_version) == (r.programme_id, r.survey_key, r.survey_version)
            and o.opened_on > r.opened_on
        )
        rounds[r.id] = RoundState(bool(r.closed), later[0][1] if later else None)
    waiting = []
    for r in rows:
        day = r.submitted_on if isinstance(r.submitted_on, date) else date.fromisoformat(str(r.submitted_on))
        period = f"round:{r.round_id}" if r.round_id is not None else week_of(day)
        waiting.append(
            Waiting(
                id=r.id,
                stream=(r.firm_id, r.programme_id, r.survey_key, r.survey_version),
                cohort=(r.role, r.level_band, r.tenure_band, r.gender_group),
                period=period,
                tag_scope="legacy",
                tag=str(r.id),
            )
        )
    batches = plan(waiting, lambda firm: k.get(firm, default_k), Calendar(date.today(), rounds))
    secret = None
    if any(r.pseudonym for r in rows):
        demo = os.environ.get("FLIPSIDE_DEMO", "").strip().lower() in {"1", "true", "yes", "on"}
        instance = Path(os.environ.get("FLIPSIDE_INSTANCE_PATH", "").strip() or "instance").resolve()
        secret = load_keys(os.environ, demo=demo, instance_path=instance).pseudonym_secret
    by_id = {r.id: r for r in rows}
    updates = []
    for batch in batches:
        for rid in batch.ids:
            alias = by_id[rid].pseudonym
            updates.append(
                {
                    "rid": rid,
                    "role": batch.cohort[0],
                    "level_band": batch.cohort[1],
                    "tenure_band": batch.cohort[2],
                    "gender_group": batch.cohort[3],
                    "period_kind": batch.period_kind,
                    "period": batch.period,
                    "pseudonym": rekey_pseudonym(secret, alias) if alias and secret else None,
                }
            )
    random.SystemRandom().shuffle(updates)  # the rewritten rows follow no old order
    kept = {u["rid"] for u in updates}
    gone = [r.id for r in rows if r.id not in kept]
    responses = sa.table("responses", sa.column("id", sa.Uuid()))
    answers = sa.table("answers", sa.column("response_id", sa.Uuid()))
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        conn.execute(sa.delete(answers).where(answers.c.response_id.in_(chunk)))
        conn.execute(sa.delete(responses).where(responses.c.id.in_(chunk)))
    if updates:
        conn.execute(
            sa.text(
                "UPDATE responses SET role = :role, level_band = :level_band, "
                "tenure_band = :tenure_band, gender_group = :gender_group, "
                "period_kind = :period_kind, period = :period, pseudonym = :pseudonym "
                "WHERE id = :rid"
            ).bindparams(sa.bindparam("rid", type_=sa.Uuid())),
            updates,
        )
    print(  # noqa: T201 - the operator reads this
        f"re-mixed {len(rows)} responses: {len(updates)} kept in {len(batches)} batches, "
        f"{len(gone)} deleted (below k even merged upward)"
    )


def _rebuild_aggregates(conn: sa.Connection) -> None:
    from sqlalchemy.orm import Session

    from surveys import aggregates
    from surveys.aggregates.comments import pool_comments

    conn.execute(sa.text("DELETE FROM aggregate_cells"))
    conn.execute(sa.text("DELETE FROM pooled_comments"))
    ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM responses"))]
    if not ids:
        return
    with Session(bind=conn) as session:
        aggregates.rebuild(session, default_k=5)
        for start in range(0, len(ids), 500):
            pool_comments(session, ids[start : start + 500], released=True)
        session.flush()


def upgrade() -> None:
    op.create_table(
        "sealed_submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_submissions")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period_kind", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("period", sa.String(length=20), nullable=True))
        for column in _COHORT_CHECKS:
            batch_op.drop_constraint(op.f(f"ck_responses_{column}"), type_="check")
    _remix(op.get_bind())
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.alter_column("period_kind", existing_type=sa.String(length=5), nullable=False)
        batch_op.alter_column("period", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column("submitted_on")
        for column, values in _COHORT_CHECKS.items():
            batch_op.create_check_constraint(
                op.f(f"ck_responses_{column}"), _in(column, (*values, "*"))
            )
        batch_op.create_check_constraint(
            op.f("ck_responses_period_kind"), "period_kind IN ('week', 'month', 'round')"
        )
    op.drop_table("pseudonym_keys")
    _rebuild_aggregates(op.get_bind())


def downgrade() -> None:
    op.create_table(
        "pseudonym_keys",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_pseudonym_keys_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_pseudonym_keys")),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_on", sa.Date(), nullable=True))
    conn = op.get_bind()
    from surveys.domain.periods import week_start

    for rid, kind, period, round_id in conn.execute(
        sa.text("SELECT id, period_kind, period, round_id FROM responses")
    ).all():
        if kind == "week":
            day = week_start(period)
        elif kind == "month":
            day = date.fromisoformat(period + "-01")
        else:
            day = conn.execute(
                sa.text("SELECT opened_on FROM survey_rounds WHERE id = :r"), {"r": round_id}
            ).scalar_one()
        conn.execute(
            sa.text("UPDATE responses SET submitted_on = :d WHERE id = :i").bindparams(
                sa.bindparam("i", type_=sa.Uuid())
            ),
            {"d": day, "i": rid},
        )
    conn.execute(sa.text("DELETE FROM responses WHERE role = '*' OR level_band = '*' "
                         "OR tenure_band = '*' OR gender_group = '*'"))
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.alter_column("submitted_on", existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint(op.f("ck_responses_period_kind"), type_="check")
        for column in _COHORT_CHECKS:
            batch_op.drop_constraint(op.f(f"ck_responses_{column}"), type_="check")
        batch_op.drop_column("period")
        batch_op.drop_column("period_kind")
        for column, values in _COHORT_CHECKS.items():
            batch_op.create_check_constraint(op.f(f"ck_responses_{column}"), _in(column, values))
    op.drop_table("sealed_submissions")
