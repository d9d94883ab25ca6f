"""Calendar connectors: the clock enqueues each due connector; one actor reads one.

A read is one transaction (the connector row locked), so two workers given the
same connector cannot both record its meetings, and a redelivered message reads
again and changes nothing (meetings are keyed per event occurrence). Logs carry
the connector id, counts and Flipside's own error text only.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

import dramatiq

from surveys.calendars.connectors import due_connectors, sync_connector
from workers import broker as _broker  # noqa: F401  (the broker before any actor)
from workers import runtime

log = logging.getLogger(__name__)


@dramatiq.actor(queue_name="calendars", max_retries=3, time_limit=10 * 60_000, min_backoff=5000)
def sync_calendar(connector_id: int) -> None:
    """Read one connector and record, move or withdraw its meetings."""
    with runtime.db().transaction() as session:
        report = sync_connector(session, connector_id, datetime.now(UTC), os.environ)
    if report.error:
        log.warning("calendar connector %s: %s", connector_id, report.error)
    else:
        log.info("calendar connector %s: %d decisions", connector_id, len(report.outcomes))


def enqueue_calendar_syncs() -> int:
    """The clock's job: one message per enabled connector that is not backing off."""
    with runtime.db().sessions() as session:
        due = due_connectors(session, datetime.now(UTC))
    for connector_id in due:
        sync_calendar.send(connector_id)
    return len(due)
