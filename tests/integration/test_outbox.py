"""The transactional outbox: sent exactly when committed, never lost, never double-counted."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select

from surveys import outbox
from surveys.db.models import OutboxEvent, ProcessedEvent
from surveys.db.session import Database
from surveys.domain.events import MeetingRecorded
from surveys.services.meetings import record_meeting
from tests.support import factories as f
from tests.support.probe_actors import PROBE, probe, probe_count
from workers import runtime
from workers.actors.relay import make_publisher, sweep
from workers.actors.routing import ROUTES, consumers_by_topic
from workers.broker import broker


@pytest.fixture
def pipeline(
    db: Database, make_settings: Callable[..., object], stub_worker: Worker
) -> Iterator[Database]:
    """Route meeting.recorded to the probe, point actors at ``db``, run a worker on the stub."""
    runtime.configure(make_settings(database_url=db.url), db)  # type: ignore[arg-type]
    saved_routes = list(ROUTES["meeting.recorded"])
    ROUTES["meeting.recorded"][:] = [probe]  # the probe alone consumes meeting.recorded
    broker.flush_all()
    try:
        yield db
    finally:
        ROUTES["meeting.recorded"][:] = saved_routes
        broker.flush_all()


def run_worker() -> None:
    """Wait until the session's stub worker has processed everything queued for the probe."""
    if PROBE in broker.queues:
        broker.join(PROBE, timeout=10_000)


def committed_meeting(db: Database) -> int:
    with db.transaction() as session:
        pairing = f.pairing(session)
        meeting = record_meeting(
            session, pairing.id, date(2026, 2, 3), "staff", today=date(2026, 3, 1)
        )
        return meeting.id


def count(db: Database, model: type) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_event_written_in_a_rolled_back_transaction_is_never_sent(pipeline: Database) -> None:
    with pipeline.sessions() as session:
        pairing = f.pairing(session)
        record_meeting(session, pairing.id, date(2026, 2, 3), "staff", today=date(2026, 3, 1))
        session.rollback()
    assert sweep(redeliver_after=timedelta(0)) == 0
    assert broker.queues.get(PROBE) is None or broker.queues[PROBE].qsize() == 0
    run_worker()
    with pipeline.sessions() as session:
        assert probe_count(session) == 0


def test_a_committed_event_is_sent_even_if_the_process_died_before_relaying(
    pipeline: Database,
) -> None:
    committed_meeting(pipeline)  # and then "the process died": no relay ran, no nudge was sent
    restarted = Database(pipeline.url)  # a new process: its own engine, same database
    published = outbox.relay_pending(restarted, make_publisher(broker))
    restarted.dispose()
    assert published == 1
    run_worker()
    with pipeline.sessions() as session:
        assert probe_count(session) == 1


def test_a_lost_message_is_published_again_and_counted_once(pipeline: Database) -> None:
    committed_meeting(pipeline)
    lost = StubBroker()  # a broker that dies with its queue (a Redis restart, a killed process)
    assert sweep(broker=lost) == 1
    assert sweep() == 0  # not yet due for redelivery
    assert sweep(redeliver_after=timedelta(0)) == 1
    run_worker()
    assert sweep(redeliver_after=timedelta(0)) == 0  # completed rows are purged, not resent
    with pipeline.sessions() as session:
        assert probe_count(session) == 1
    assert count(pipeline, OutboxEvent) == 0


def test_an_event_delivered_twice_has_its_effect_once(pipeline: Database) -> None:
    committed_meeting(pipeline)
    publish = make_publisher(broker)
    with pipeline.sessions() as session:
        row = session.scalars(select(OutboxEvent)).one()
        publication = outbox.Publication(row.id, row.topic, dict(row.payload))
    publish(publication)
    publish(publication)
    run_worker()
    with pipeline.sessions() as session:
        assert probe_count(session) == 1
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1


def test_rows_are_purged_only_when_every_consumer_has_a_receipt(pipeline: Database) -> None:
    committed_meeting(pipeline)
    sweep(broker=StubBroker())  # published where no consumer runs
    with pipeline.transaction() as session:
        assert outbox.purge_completed(session, consumers_by_topic()) == 0
    assert count(pipeline, OutboxEvent) == 1
    sweep(redeliver_after=timedelta(0))
    run_worker()
    with pipeline.transaction() as session:
        assert outbox.purge_completed(session, consumers_by_topic()) == 1
    assert count(pipeline, OutboxEvent) == 0


def test_commit_listeners_hear_commits_that_wrote_events_and_not_rollbacks(db: Database) -> None:
    heard: list[str] = []
    outbox.on_commit(lambda: heard.append("nudge"))
    try:
        with db.sessions() as session:
            outbox.add_event(session, MeetingRecorded(meeting_id=1))
            session.rollback()
        with db.transaction() as session:
            f.firm(session)  # a commit without events
        assert heard == []
        with db.transaction() as session:
            outbox.add_event(session, MeetingRecorded(meeting_id=1))
        assert heard == ["nudge"]
    finally:
        outbox.clear_commit_listeners()


def test_concurrent_relays_claim_disjoint_rows_on_postgres(pg_db: Database) -> None:
    with pg_db.transaction() as session:
        for i in range(10):
            outbox.add_event(session, MeetingRecorded(meeting_id=i))
    claimed: list[set[int]] = []
    ready = threading.Barrier(2)

    def claim() -> None:
        with pg_db.transaction() as session:
            rows = outbox.claim_batch(session, limit=5)
            ready.wait(timeout=5)  # both hold their locks at the same time
            claimed.append({r.id for r in rows})

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claimed) == 2 and not claimed[0] & claimed[1]
    assert len(claimed[0] | claimed[1]) == 10


def test_event_ids_are_never_reused_after_rows_are_purged(db: Database) -> None:
    with db.transaction() as session:
        first = outbox.add_event(session, MeetingRecorded(meeting_id=1))
    with db.transaction() as session:
        session.query(OutboxEvent).delete()
    with db.transaction() as session:
        second = outbox.add_event(session, MeetingRecorded(meeting_id=2))
    assert second > first  # a receipt for `first` must never match a new event
