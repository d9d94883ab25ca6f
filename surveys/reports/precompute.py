"""The worker's release step: decide each moved programme's reports once, and store them.

Right after a release commits (a mixer pass, a rebuild, a round opened), the
worker builds the dashboard reports of every programme whose release version
moved and stores them (surveys/reports/cache.py), so the first page view after
a release reads a stored report instead of deciding disclosure over every
released cell. Each programme is read in one snapshot (REPEATABLE READ on
PostgreSQL), so a report is stored under the release version it was built from.
Idempotent: a report already stored for the version is read, not built again.

:func:`store_programme` is one programme's step, as the workers run it (one
Dramatiq message per programme, workers/actors/reports.py): it skips a
programme whose reports are all stored for its current release version already,
and one that has moved past the version the message was sent for (that newer
release's own message stores its reports). :func:`precompute` runs the
programmes one after another in one process (the commands, and the baseline of
bench/release.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.models import Firm, Programme, ReleasedReport
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


#: The reports the release step stores for each programme (their ``key_for`` names).
STORED_REPORTS = frozenset({"pulse", "responses by role", "headline"})


def store_programme(
    db: Database, programme_id: int, release_version: int, *, default_k: int
) -> str:
    """Store one programme's reports for ``release_version``; what was done.

    "stored"; "current" (every report already stored for the programme's version:
    nothing built); "superseded" (the programme has moved past ``release_version``:
    the newer release's message stores its reports); "gone" (deleted since).
    Safe to run twice or concurrently: a report is stored once per version, and
    never over a newer release's (surveys/reports/cache.py).
    """
    with _snapshot(db) as session:
        programme = session.get(Programme, programme_id)
        if programme is None:
            return "gone"
        if programme.release_version > release_version:
            return "superseded"
        names = session.scalar(
            select(func.count(func.distinct(ReleasedReport.name))).where(
                ReleasedReport.programme_id == programme_id,
                ReleasedReport.release_version == programme.release_version,
                ReleasedReport.name.in_(sorted(STORED_REPORTS)),
            )
        )
        if names == len(STORED_REPORTS):
            return "current"
        store_reports(session, programme, default_k)
        return "stored"


def store_reports(session: Session, programme: Programme, default_k: int) -> None:
    """Every stored report of ``programme`` at its current release version, in ``session``."""
    firm = session.get(Firm, programme.firm_id)
    assert firm is not None
    policy = disclosure.Policy.for_firm(firm.min_group_size, default_k)
    pulse_report(session, programme, default_k)
    responses_by_role(session, programme, policy)
    headline_report(session, programme, default_k)
