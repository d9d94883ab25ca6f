"""The demo's clock mixes as the scheduler does: a pass a day between the answers (issue 22)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from surveys.db.models import Response, SealedSubmission
from surveys.db.session import Database
from surveys.simulation.schedule import Clock
from tests.support import factories as f
from tests.support.sealing import keys_for_tests, seal_direct

K = 5
MONDAY = date(2026, 2, 2)
FINE = {"role": "mentor", "level_band": "junior", "tenure_band": "2-5y", "gender_group": "woman"}
OTHER = {**FINE, "gender_group": "man"}


def _stored(db: Database) -> list[tuple[str, str]]:
    with db.sessions() as session:
        rows = session.execute(select(Response.gender_group, Response.period)).all()
    return sorted((gender, period) for gender, period in rows)


def _answers(db: Database, clock: Clock, firm_id: int, programme_id: int) -> None:
    """Five people of one cell answer on Monday, a sixth of it and one of another on
    Wednesday: a daily pass stores the five on Tuesday, alone; the two (fewer than k)
    wait to merge upward. One pass at the end would have stored all six together."""

    def on(day: date, person: str, cohort: dict[str, str]) -> None:
        def submit() -> None:  # in the clock's transaction, as the demo's answers are
            seal_direct(clock.session, firm_id, programme_id, {"spoke_openly": 4},
                        person=person, day=day, **cohort)  # fmt: skip

        clock.answer(day, submit)

    for i in range(K):
        on(MONDAY, f"p{i}", FINE)
    on(MONDAY + timedelta(days=2), "late", FINE)
    on(MONDAY + timedelta(days=2), "other", OTHER)


def test_the_clock_runs_a_pass_a_day_so_a_week_is_released_as_it_arrives(
    sqlite_db: Database,
) -> None:
    with sqlite_db.transaction() as session:
        programme = f.programme(session, f.firm(session, min_group_size=K))
        ids = (programme.firm_id, programme.id)
    with sqlite_db.transaction() as session:
        clock = Clock(session, keys_for_tests(), K, random.Random(1))
    _answers(sqlite_db, clock, *ids)
    with sqlite_db.transaction() as session:
        clock.session = session
        clock.run(MONDAY + timedelta(days=1))  # Tuesday's pass stores the Monday five
    assert _stored(sqlite_db) == [("woman", "2026-W06")] * K
    with sqlite_db.transaction() as session:
        clock.session = session
        clock.run(MONDAY + timedelta(days=8))  # the week has ended by the next Monday
    # the late sixth did not join the five stored on Tuesday: it waits with the other
    assert _stored(sqlite_db) == [("woman", "2026-W06")] * K
    with sqlite_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SealedSubmission)) == 2
    assert clock.passes == 4  # Mon, Tue, Thu (after Wednesday's answers), next Mon
