"""The evaluation plan's freeze date says no more than a release already does.

Attack: a lead who knows when each colleague answered reads the day the plan
froze, hoping it tells them that one person's answer (or fewer than k) went
out. The plan freezes only when a release happens, and the mixer releases
batches of at least k people only, so four answers (k = 5) leave the plan open
and the fifth person's pass freezes it; only a day is kept, never a time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Date, inspect

from surveys.db.models import EvaluationPlan
from surveys.db.session import Database
from surveys.services.plans import plan_state
from tests.support import factories as f
from tests.support.sealing import mix
from tests.support.submissions import submit


def test_the_plan_freezes_only_with_a_release_of_k_people_and_keeps_only_the_day(
    sqlite_db: Database,
) -> None:
    with sqlite_db.transaction() as session:
        programme = f.programme(session)
        for _ in range(4):
            submit(session, programme, answers={"useful": 4})
        programme_id = programme.id
    assert mix(sqlite_db, k=5).released == 0
    with sqlite_db.sessions() as session:
        assert plan_state(session, programme_id).frozen_on is None  # four answers: nothing
    with sqlite_db.transaction() as session:
        submit(session, session.get_one(type(programme), programme_id), answers={"useful": 2})
    assert mix(sqlite_db, k=5).released == 5
    with sqlite_db.sessions() as session:
        frozen = plan_state(session, programme_id).frozen_on
    assert frozen == datetime.now(UTC).date() and type(frozen) is date
    dated = [c for c in inspect(EvaluationPlan).columns if "_on" in c.key or "_at" in c.key]
    assert dated and all(isinstance(c.type, Date) for c in dated)  # days only, no time
    assert not [c for c in inspect(EvaluationPlan).columns if "response" in c.key]
