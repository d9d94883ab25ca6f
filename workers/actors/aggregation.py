"""A closed climate round starts a mixer pass, so its leftovers merge upward at once.

(The module's name is older than the mixer: it aggregates nothing itself. Counting
happens inside the mixer's transaction, workers/actors/mixing.py.) The receipt and
the pass commit in one transaction, so a redelivered event is a no-op.
"""

from __future__ import annotations

import dramatiq

from surveys import outbox
from surveys.intake.mixing import MixReport, mix_pass, opener_for
from workers import broker as _broker  # noqa: F401  (the broker before any actor)
from workers import redaction, runtime
from workers.actors.mixing import store_reports_after

QUEUE = "aggregation"
ROUND_CONSUMER = "finalise_round"


@dramatiq.actor(
    actor_name=ROUND_CONSUMER,
    queue_name=QUEUE,
    max_retries=20,
    min_backoff=1000,
    max_backoff=300_000,
    time_limit=30 * 60_000,
)
def finalise_round(event_id: int, round_id: int) -> None:
    """A round closed: run a mixer pass (its cells may now merge upward and release)."""
    settings = runtime.settings()
    opener = opener_for(settings.required_keys)
    db = runtime.db()
    report = MixReport(0, 0, 0)
    with db.transaction() as session:
        if outbox.claim_receipt(session, ROUND_CONSUMER, event_id):
            report = mix_pass(session, opener, default_k=settings.min_group_size)
    store_reports_after(db, report, settings.min_group_size)


redaction.protect(finalise_round.logger)
