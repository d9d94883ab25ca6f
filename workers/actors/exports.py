"""The export builder: one message per ``export.requested``, safe to deliver twice.

A long build outlives the sweeper's redelivery interval, so a second delivery
arrives while the first is working: :func:`surveys.services.exports.run_export`
claims the request first, and a delivery that finds it claimed does nothing
(and leaves the receipt to the build that finishes).
"""

from __future__ import annotations

import dramatiq

from surveys.longitudinal.vault import pairing_key
from surveys.reports.exported import dashboard_comparisons
from surveys.services import exports
from workers import broker as _broker  # noqa: F401  (the broker before any actor)
from workers import runtime

QUEUE = "exports"


@dramatiq.actor(
    actor_name=exports.CONSUMER,
    queue_name=QUEUE,
    max_retries=3,
    min_backoff=10_000,
    time_limit=60 * 60 * 1000,
)
def build_export(event_id: int, export_id: int) -> None:
    """Build the bundle of one export request (progress is written as rows are processed)."""
    settings = runtime.settings()
    exports.run_export(
        runtime.db(),
        event_id,
        export_id,
        default_k=settings.min_group_size,
        store=settings.bundles,
        expected=dashboard_comparisons,
        pairing_key=pairing_key(settings.required_keys),
    )


def expire_bundles() -> int:
    """The clock's job: delete bundles past their expiry (the audit log stays)."""
    with runtime.db().transaction() as session:
        return exports.expire_exports(session, runtime.settings().bundles)
