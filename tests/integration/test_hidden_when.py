"""A hidden figure's "when" names the next mixer pass from the pass recorded in the
database, so the page says it also in the embedded mode and after a Redis restart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from surveys import disclosure
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.intake.passes import record_pass
from webapp.dashboard.hidden import hidden_when

K5 = disclosure.Policy(5)


def test_the_next_pass_is_the_recorded_one_plus_the_interval(app: Any, sqlite_db: Database) -> None:
    small = disclosure.count(2, K5)
    assert isinstance(small, disclosure.Suppressed)
    # Later than any heartbeat an earlier test of this process may have left: the
    # recorded pass is the one the page must go by.
    at = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    with sqlite_db.transaction() as session:
        record_pass(session, at)
    with app.test_request_context("/"):
        said = hidden_when(small.reason, 5)
    due = at + timedelta(hours=app.config["FLIPSIDE"].mix_interval_hours)
    assert f"due {due:%Y-%m-%d %H:%M} UTC" in said, said
