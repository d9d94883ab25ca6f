"""The mixer in bounded transactions (issue 25): chunks, concurrent passes, carried weeks."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from surveys import aggregates
from surveys.db.models import Response, SealedSubmission
from surveys.db.session import Database
from surveys.intake import mixing
from surveys.intake.due import due_periods, inbox
from tests.support import factories as f
from tests.support.sealing import keys_for_tests, seal_direct

K = 5
DURING = date(2026, 2, 10)  # week 2026-W06 (2 Feb) has ended, its month has not
COHORTS = [("mentor", "junior"), ("mentor", "senior"), ("mentee", "junior"), ("mentee", "senior")]


def _inbox(db: Database, per_cohort: int = 6) -> int:
    with db.transaction() as session:
        programme = f.programme(session)
        for role, level in COHORTS:
            for i in range(per_cohort):
                seal_direct(
                    session,
                    programme.firm_id,
                    programme.id,
                    {"useful": 4},
                    person=f"{role}{level}{i}",
                    role=role,
                    level_band=level,
                )
    return per_cohort * len(COHORTS)


def _counts(db: Database) -> tuple[int, int, int]:
    with db.sessions() as session:
        sealed = session.scalar(select(func.count()).select_from(SealedSubmission)) or 0
        stored = session.scalar(select(func.count()).select_from(Response)) or 0
        return sealed, stored, len(aggregates.verify(session))


def test_a_pass_releases_in_several_transactions_each_group_whole(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _inbox(db)
    commits: list[int] = []
    real_store = mixing.store

    def counting_store(*args: Any, **kwargs: Any) -> int:
        stored = real_store(*args, **kwargs)
        commits.append(stored)
        return stored

    monkeypatch.setattr(mixing, "store", counting_store)
    monkeypatch.setattr(mixing, "CHUNK_ROWS", 6)  # one cohort's group per transaction
    report = mixing.mix_now(db, keys_for_tests(), default_k=K, today=DURING)
    assert report.released == rows
    assert commits == [6, 6, 6, 6], "each chunk is its own store call and transaction"
    assert _counts(db) == (0, rows, 0)


def test_two_concurrent_passes_on_postgres_never_release_a_row_twice(
    pg_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _inbox(pg_db)
    inside = threading.Event()
    go_on = threading.Event()
    real_store = mixing.store

    def held_store(*args: Any, **kwargs: Any) -> int:
        stored = real_store(*args, **kwargs)
        if threading.current_thread().name == "first":
            inside.set()  # the first pass holds its chunk's rows locked, uncommitted
            assert go_on.wait(60), "the second pass did not finish within 60 s"
        return stored

    monkeypatch.setattr(mixing, "store", held_store)
    results: dict[str, Any] = {}

    def run(name: str) -> None:
        results[name] = mixing.mix_now(pg_db, keys_for_tests(), default_k=K, today=DURING)

    first = threading.Thread(target=run, args=("first",), name="first")
    first.start()
    assert inside.wait(60), "the first pass never reached its first chunk"
    try:
        run("second")  # plans the same rows, finds them locked, releases nothing
    finally:
        go_on.set()
        first.join(60)
    assert results["second"].released == 0
    assert results["first"].released == rows
    assert _counts(pg_db) == (0, rows, 0)
    # the same two passes one after the other: the second finds nothing left
    assert mixing.mix_now(pg_db, keys_for_tests(), default_k=K, today=DURING).released == 0


def test_an_ended_month_opens_the_week_it_carries_into_not_every_pulse_week(
    db: Database,
) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        ids = (programme.firm_id, programme.id)
        seal_direct(session, *ids, {"useful": 4}, person="old", day=date(2026, 1, 20))
        seal_direct(session, *ids, {"useful": 4}, person="carry", day=date(2026, 2, 2))
        for i in range(2):  # a week of the current month, still open, short of k
            seal_direct(session, *ids, {"useful": 4}, person=f"n{i}", day=date(2026, 2, 9))
    with db.sessions() as session:
        counts = inbox(session)
        early = due_periods(session, counts, date(2026, 2, 3), K)
        later = due_periods(session, counts, date(2026, 2, 12), K)
    # January has ended: its week and the week it carries into (February's first,
    # still open on 3 Feb and short of k) are read together ...
    assert early == ["2026-W04", "2026-W06"]
    # ... but the open week 2026-W07 with 2 rows waits unread (before: every pulse week)
    assert later == ["2026-W04", "2026-W06"]
