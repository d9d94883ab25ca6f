"""Migrations keep the data they do not mean to change (SQLite's batch mode recreates
tables), and 0008 re-mixes old responses into cells that the live checks agree with."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from surveys.aggregates import verify
from surveys.db import migrate

_UUID = sa.bindparam("rid", type_=sa.Uuid())


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'old.sqlite3'}"


def test_dropping_account_columns_keeps_the_accounts_firms(tmp_path: Path) -> None:
    url = _url(tmp_path)
    migrate.upgrade(url, "0018")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO firms (id, name, slug, benchmarking_opt_in, created_at) "
                "VALUES (1, 'A', 'a', 0, '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO accounts (id, email, role, active, failed_logins, created_at, "
                "session_version) VALUES (1, 'a@b.example', 'lead', 1, 0, '2026-01-01 00:00:00', 1)"
            )
        )
        conn.execute(sa.text("INSERT INTO account_firms VALUES (1, 1)"))
        conn.execute(
            sa.text(
                "INSERT INTO outbox_events (topic, payload, created_at, attempts) "
                "VALUES ('submission.sealed', '{}', '2026-01-01 00:00:00', 0), "
                "('meeting.recorded', '{\"meeting_id\": 1}', '2026-01-01 00:00:00', 0)"
            )
        )
    migrate.upgrade(url, "head")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM account_firms")).scalar_one() == 1
        columns = {c["name"] for c in sa.inspect(conn).get_columns("accounts")}
        assert not {"failed_logins", "locked_until"} & columns
        topics = conn.execute(sa.text("SELECT topic FROM outbox_events")).scalars().all()
        assert topics == ["meeting.recorded"]
    engine.dispose()


def test_0008_remixes_old_responses_into_cells_the_checks_agree_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLIPSIDE_PSEUDONYM_SECRET", base64.b64encode(b"s" * 32).decode())
    url = _url(tmp_path)
    migrate.upgrade(url, "0007")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO firms (id, name, slug, min_group_size, benchmarking_opt_in, "
                "created_at) "
                "VALUES (1, 'A', 'a', 5, 0, '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO programmes (id, firm_id, name, starts_on, status, longitudinal, "
                "created_at) VALUES (1, 1, 'P', '2026-01-01', 'active', 1, '2026-01-01 00:00:00')"
            )
        )
        for i in range(13):  # 12 in one cohort and week (k = 5), one alone: deleted
            rid = uuid.UUID(int=i + 1)
            alone = i == 12
            conn.execute(
                sa.text(
                    "INSERT INTO responses (id, survey_key, survey_version, submitted_on, "
                    "firm_id, programme_id, role, level_band, tenure_band, gender_group, "
                    "pseudonym) VALUES (:rid, 'mentor_pulse', 1, :day, 1, 1, :role, 'mid', "
                    "'2-5y', 'woman', :alias)"
                ).bindparams(_UUID),
                {
                    "rid": rid,
                    "day": "2026-03-03" if not alone else "2026-05-05",
                    "role": "mentee" if alone else "mentor",
                    "alias": f"old{i}",
                },
            )
            answer = sa.text("INSERT INTO answers VALUES (:rid, :q, :item, :v, :t)").bindparams(
                _UUID
            )
            conn.execute(
                answer, {"rid": rid, "q": "insight", "item": "", "v": 1 + i % 5, "t": None}
            )
            conn.execute(
                answer, {"rid": rid, "q": "topics", "item": "career", "v": None, "t": None}
            )
            text = "call 020 7946 0018" if i == 0 else "fine"
            conn.execute(answer, {"rid": rid, "q": "comment", "item": "", "v": None, "t": text})
    migrate.upgrade(url, "0018")  # the pseudonyms 0008 re-keyed (0019 moves them away)
    with Session(engine) as session:
        aliases = session.execute(sa.text("SELECT pseudonym FROM responses")).scalars().all()
        assert len(aliases) == 12 and not {f"old{i}" for i in range(13)} & set(aliases)
    migrate.upgrade(url, "head")
    with Session(engine) as session:
        assert verify(session) == []
        cells = session.execute(
            sa.text(
                "SELECT question_key, item, period_kind, period, released_n, released_histogram "
                "FROM aggregate_cells WHERE question_key <> '' ORDER BY 1, 2, 3"
            )
        ).all()
        assert [(q, i, kind, n) for q, i, kind, _, n, _ in cells] == [
            ("insight", "", "month", 12),
            ("insight", "", "week", 12),
            ("topics", "career", "month", 12),
            ("topics", "career", "week", 12),
        ]
        assert cells[1][3] == "2026-W10"
        texts = session.execute(sa.text("SELECT text, released FROM pooled_comments")).all()
        assert len(texts) == 12 and all(released for _, released in texts)
        assert "call [phone number removed]" in {t for t, _ in texts}
    engine.dispose()
