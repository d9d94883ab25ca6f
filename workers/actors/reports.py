"""The release step, spread over the workers: one message per programme whose release moved.

After a release commits (a mixer pass, a closed round), :func:`send_after_release`
reads each moved programme's release version and sends one
``store_programme_reports`` message per programme on the ``reports`` queue, which
every ``dramatiq workers`` process takes (none is started with a queue list that
leaves it out). Nothing is sent before the release commits, so a message never
finds the release it was sent for missing. A message is idempotent and safe to
redeliver (surveys/reports/precompute.py :func:`store_programme`): reports already
stored for the version are not built again, a programme that has moved on is left
to the newer release's message, and a report of an older release is never stored
over a newer one. Until a programme's reports are stored, its pages show the
previous release's, labelled as such (webapp/dashboard/preparing.py). Logs carry
ids and counts only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import dramatiq
from sqlalchemy import select

from surveys.db.models import Programme
from surveys.db.session import Database
from surveys.reports.precompute import store_programme
from workers import broker as _broker  # noqa: F401  (the broker before any actor)
from workers import redaction, runtime

QUEUE = "reports"
log = logging.getLogger(__name__)


@dramatiq.actor(
    actor_name="store_programme_reports",
    queue_name=QUEUE,
    max_retries=10,
    min_backoff=1000,
    max_backoff=120_000,
    time_limit=20 * 60_000,
)
def store_programme_reports(programme_id: int, release_version: int) -> None:
    """Decide and store one programme's reports for ``release_version`` (or skip: see above)."""
    settings = runtime.settings()
    outcome = store_programme(
        runtime.db(), programme_id, release_version, default_k=settings.min_group_size
    )
    log.info("reports of programme %d at release %d: %s", programme_id, release_version, outcome)


def send_after_release(db: Database, programme_ids: Iterable[int]) -> int:
    """One message per programme in ``programme_ids`` (call after the release commits)."""
    wanted = sorted(set(programme_ids))
    if not wanted:
        return 0
    with db.sessions() as session:
        versions = session.execute(
            select(Programme.id, Programme.release_version).where(Programme.id.in_(wanted))
        ).all()
    for programme_id, version in versions:
        store_programme_reports.send(programme_id, version)
    return len(versions)


redaction.protect(store_programme_reports.logger)
