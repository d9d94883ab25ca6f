"""Consumers that keep the aggregate cells: one per response, one per closed round.

Both take ids only and are safe to run twice: the receipt and the effect are
written in one transaction (:func:`surveys.aggregates.record_submission`).
Nothing here logs a response id: a log line's time next to a response id
would say when that response was submitted (see :mod:`workers.redaction`).
"""

from __future__ import annotations

import uuid

import dramatiq

from surveys import aggregates, outbox
from surveys.domain.events import ResponseSubmitted, SurveyClosed
from workers import broker as _broker  # noqa: F401  (the broker before any actor)
from workers import redaction, runtime
from workers.actors.routing import consumers_by_topic, consumes

QUEUE = "aggregation"
ROUND_CONSUMER = "finalise_round"


class BadMessage(Exception):
    """A message no retry can fix: it goes straight to the dead letters."""


@consumes(ResponseSubmitted.topic)
@dramatiq.actor(
    actor_name=aggregates.CONSUMER,
    queue_name=QUEUE,
    max_retries=20,
    min_backoff=200,
    max_backoff=60_000,
    time_limit=30_000,
    throws=(BadMessage,),
)
def aggregate_response(event_id: int, response_id: str) -> None:
    """Add one submitted response to its cells and release the groups that are due."""
    try:
        response = uuid.UUID(response_id)
    except (TypeError, ValueError, AttributeError):
        raise BadMessage(f"event {event_id}: response_id is not a UUID") from None
    settings = runtime.settings()
    with runtime.db().transaction() as session:
        aggregates.record_submission(
            session,
            event_id,
            response,
            default_k=settings.min_group_size,
            batching=settings.release_batching,
            consumers=consumers_by_topic()[ResponseSubmitted.topic],
        )


@consumes(SurveyClosed.topic)
@dramatiq.actor(
    actor_name=ROUND_CONSUMER,
    queue_name=QUEUE,
    max_retries=20,
    min_backoff=1000,
    max_backoff=300_000,
    time_limit=120_000,
)
def finalise_round(event_id: int, round_id: int) -> None:
    """A round closed: release its cohorts that hold at least k responses in total."""
    settings = runtime.settings()
    with runtime.db().transaction() as session:
        if outbox.claim_receipt(session, ROUND_CONSUMER, event_id):
            aggregates.release_round(session, round_id, default_k=settings.min_group_size)


for _actor in (aggregate_response, finalise_round):
    redaction.protect(_actor.logger)
