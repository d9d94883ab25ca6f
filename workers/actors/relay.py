"""The outbox relay and sweeper actors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import dramatiq
from dramatiq.broker import Broker, get_broker
from dramatiq.message import Message

from surveys import outbox
from workers import broker as _broker  # noqa: F401  (the broker before any actor)
from workers import runtime
from workers.actors.routing import ROUTES, consumers_by_topic

log = logging.getLogger(__name__)


def make_publisher(broker: Broker | None = None) -> Callable[[outbox.Publication], None]:
    """Publish an outbox row as one message per consumer of its topic."""
    target = broker or get_broker()

    def publish(event: outbox.Publication) -> None:
        for actor in ROUTES.get(event.topic, []):
            if actor.queue_name not in target.get_declared_queues():
                target.declare_queue(actor.queue_name)
            target.enqueue(
                Message(
                    queue_name=actor.queue_name,
                    actor_name=actor.actor_name,
                    args=(event.id,),
                    kwargs=event.payload,
                    options={},
                )
            )

    return publish


def sweep(
    broker: Broker | None = None, redeliver_after: timedelta = outbox.DEFAULT_REDELIVER_AFTER
) -> int:
    """Publish everything due (new rows and rows whose delivery was lost); purge finished rows."""
    db = runtime.db()
    with db.transaction() as session:
        outbox.purge_completed(session, consumers_by_topic())
    return outbox.relay_pending(db, make_publisher(broker), redeliver_after=redeliver_after)


@dramatiq.actor(queue_name="outbox", max_retries=3, time_limit=60_000, min_backoff=500)
def relay_outbox() -> None:
    """Publish new outbox rows now (sent as a nudge after each commit that wrote events)."""
    outbox.relay_pending(runtime.db(), make_publisher())


@dramatiq.actor(queue_name="outbox", max_retries=3, time_limit=120_000, min_backoff=1000)
def sweep_outbox() -> None:
    sweep()
