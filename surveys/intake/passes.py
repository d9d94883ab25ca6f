"""When the mixer last completed a pass, kept in the database for /healthz.

One row, overwritten by every pass (:class:`surveys.db.models.MixerPass`). Redis
heartbeats vanish with a Redis restart; this does not, so a restart no longer makes
/healthz say the mixer has never run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from surveys.db.dialect import upsert_insert
from surveys.db.models import MixerPass
from surveys.db.types import utcnow


def record_pass(session: Session, at: datetime | None = None) -> None:
    """Say that a pass completed ``at`` (default: now)."""
    when = at or utcnow()
    insert = upsert_insert(session, MixerPass.__table__).values(id=1, finished_at=when)
    session.execute(insert.on_conflict_do_update(index_elements=["id"], set_={"finished_at": when}))


def last_pass(session: Session) -> datetime | None:
    """The end of the last completed pass, or None when none has completed."""
    row = session.get(MixerPass, 1)
    return None if row is None else row.finished_at
