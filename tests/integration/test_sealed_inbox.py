"""The sealed inbox and the mixer against real databases (issue 13)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from nacl.exceptions import CryptoError
from sqlalchemy import func, select, text

from surveys import aggregates
from surveys.db.base import Base
from surveys.db.models import OutboxEvent, Response, SealedSubmission, SurveyInvitation
from surveys.db.session import Database
from surveys.intake.mixing import MixerKeyMissing, opener_for
from surveys.intake.sealing import Opener
from tests.support import factories as f
from tests.support.sealing import keys_for_tests, mix, seal_direct, submit_token


def _all_text(db: Database) -> str:
    with db.sessions() as session:
        parts = []
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                parts.append(" ".join(str(v) for v in row))
        return "\n".join(parts)


def test_a_submission_writes_only_the_flag_and_a_sealed_row(db: Database) -> None:
    with db.transaction() as session:
        tokens = f.invited_pair(session)
    with db.transaction() as session:
        answers = {**f.MENTOR_ANSWERS, "comment": ["Zanzibar-marmalade"]}
        try:
            submit_token(session, tokens["mentor"], answers)
        except Exception:  # the mentor pulse may have no comment question
            session.rollback()
            submit_token(session, tokens["mentor"], f.MENTOR_ANSWERS)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0
        assert session.scalar(select(func.count()).select_from(SealedSubmission)) == 1
        events = session.scalars(select(OutboxEvent)).all()
        assert {e.topic for e in events} <= {"invitation.issued"}  # no event of its own
        assert sorted(session.scalars(select(SurveyInvitation.responded))) == [False, True]
        sealed = session.scalars(select(SealedSubmission)).one()
    everything = _all_text(db)
    for needle in ("spoke_openly", "technology", "wellbeing", "Zanzibar", "junior", "5-10y"):
        assert needle not in everything
    with pytest.raises(MixerKeyMissing):
        opener_for(keys_for_tests(private=False))  # a web process holds no private key
    with pytest.raises(CryptoError):
        Opener(bytes(32)).open(sealed.sealed)
    assert Opener(keys_for_tests().private_key or b"").open(sealed.sealed).role == "mentor"


def _programme(db: Database) -> tuple[int, int]:
    with db.transaction() as session:
        programme = f.programme(session)
        return programme.firm_id, programme.id


def test_the_mixer_releases_k_people_keeps_the_rest_sealed_and_is_idempotent(
    db: Database,
) -> None:
    firm_id, programme_id = _programme(db)
    with db.transaction() as session:
        for i in range(5):
            seal_direct(session, firm_id, programme_id, {"useful": 4}, person=f"p{i}")
        for i in range(2):
            seal_direct(
                session, firm_id, programme_id, {"useful": 2}, person=f"m{i}", role="mentee"
            )
    during = date(2026, 2, 3)
    first = mix(db, today=during)
    assert (first.released, first.waiting) == (5, 2)
    second = mix(db, today=during)
    assert (second.released, second.waiting) == (0, 2)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 5
        assert {(r.period_kind, r.period) for r in session.scalars(select(Response))} == {
            ("week", "2026-W06")
        }
        assert aggregates.verify(session) == []


def test_a_failing_pass_loses_nothing(db: Database, monkeypatch: Any) -> None:
    firm_id, programme_id = _programme(db)
    with db.transaction() as session:
        for i in range(6):
            seal_direct(session, firm_id, programme_id, {"useful": 3}, person=f"p{i}")

    def boom(*_: Any, **__: Any) -> None:
        raise RuntimeError("killed mid-pass")

    # Counting fails after the batch is inserted: the pass must roll back whole.
    monkeypatch.setattr(aggregates, "add_batch", boom)
    with pytest.raises(RuntimeError):
        mix(db, today=date(2026, 2, 3))
    monkeypatch.undo()
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SealedSubmission)) == 6
        assert session.scalar(select(func.count()).select_from(Response)) == 0
    assert mix(db, today=date(2026, 2, 3)).released == 6


def test_on_postgres_a_batch_shares_one_xmin_and_none_with_an_invitation(pg_db: Database) -> None:
    with pg_db.transaction() as session:
        tokens = f.invited_pair(session)
        firm_id, programme_id = session.execute(
            text("SELECT firm_id, id FROM programmes LIMIT 1")
        ).one()
    with pg_db.transaction() as session:
        submit_token(session, tokens["mentor"], f.MENTOR_ANSWERS)
    with pg_db.transaction() as session:
        for i in range(5):
            seal_direct(
                session,
                firm_id,
                programme_id,
                {"spoke_openly": 4},
                person=f"p{i}",
                day=date.today(),
                level_band="junior",
                tenure_band="5-10y",
                gender_group="woman",
            )
    mix(pg_db, today=date.today())
    with pg_db.sessions() as session:
        xmins = set(session.scalars(text("SELECT xmin::text FROM responses")))
        invitations = set(session.scalars(text("SELECT xmin::text FROM survey_invitations")))
    assert len(xmins) == 1 and not xmins & invitations
