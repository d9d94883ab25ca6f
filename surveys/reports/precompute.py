"""The worker's release step: decide each moved programme's reports once, and store them.

Right after a release commits (a mixer pass, a rebuild, a round opened), the
worker builds the dashboard reports of every programme whose release version
moved and stores them (surveys/reports/cache.py), so the first page view after
a release reads a stored report instead of deciding disclosure over every
released cell. Each programme is read in one snapshot (REPEATABLE READ on
PostgreSQL), so a report is stored under the release version it was built from.
Idempotent: a report already stored for the version is read, not built again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.models import Firm, Programme
from surveys.db.session import Database
from surveys.reports import cache
from surveys.reports.headline import headline_report
from surveys.reports.overview import responses_by_role
from surveys.reports.pulse import pulse_report


@contextmanager
def _snapshot(db: Database) -> Iterator[Session]:
    bind = (
        db.engine.execution_options(isolation_level="REPEATABLE READ")
        if db.is_postgres
        else db.engine
    )
    with db.sessions(bind=bind) as session, session.begin():
        session.info[cache.STORING] = True
        yield session


def precompute(db: Database, programme_ids: Iterable[int] | None, *, default_k: int) -> int:
    """Store the reports of ``programme_ids`` (None: every programme); how many programmes."""
    if programme_ids is None:
        with db.sessions() as session:
            programme_ids = list(session.scalars(select(Programme.id).order_by(Programme.id)))
    done = 0
    for programme_id in sorted(set(programme_ids)):
        with _snapshot(db) as session:
            programme = session.get(Programme, programme_id)
            if programme is None:
                continue  # deleted since its release
            store_reports(session, programme, default_k)
            done += 1
    return done


def store_reports(session: Session, programme: Programme, default_k: int) -> None:
    """Every stored report of ``programme`` at its current release version, in ``session``."""
    firm = session.get(Firm, programme.firm_id)
    assert firm is not None
    policy = disclosure.Policy.for_firm(firm.min_group_size, default_k)
    pulse_report(session, programme, default_k)
    responses_by_role(session, programme, policy)
    headline_report(session, programme, default_k)
