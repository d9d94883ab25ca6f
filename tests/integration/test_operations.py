"""What operators see and run: queue depths, dead letters, `flipside aggregates verify|rebuild`."""

from __future__ import annotations

import uuid
from typing import Any

from dramatiq.brokers.redis import RedisBroker
from dramatiq.message import Message
from sqlalchemy import update

from surveys.db.models import AggregateCell
from surveys.db.session import Database
from tests.support import factories as f
from tests.support.sealing import mix
from tests.support.submissions import submit
from workers.health import redis_queue_stats


def counted_submissions(db: Database, count: int) -> None:
    """``count`` submissions of distinct people, released by one mixer pass."""
    with db.transaction() as session:
        programme = f.programme(session)
        for _ in range(count):
            submit(session, programme, answers={"useful": 4})
    assert mix(db, k=count).released == count


def test_verify_passes_on_matching_cells_and_fails_with_the_differences(
    app: Any, sqlite_db: Database
) -> None:
    runner = app.test_cli_runner()
    counted_submissions(sqlite_db, 3)
    result = runner.invoke(args=["aggregates", "verify"])
    assert result.exit_code == 0 and "every cell matches" in result.output
    with sqlite_db.transaction() as session:
        session.execute(
            update(AggregateCell).where(AggregateCell.question_key == "useful").values(n=7)
        )
    result = runner.invoke(args=["aggregates", "verify"])
    assert result.exit_code == 1
    assert "differs: mentor_pulse v1 useful" in result.output
    assert "2 aggregate cell(s) differ" in result.output


def test_rebuild_restores_what_verify_found(app: Any, sqlite_db: Database) -> None:
    runner = app.test_cli_runner()
    counted_submissions(sqlite_db, 2)
    with sqlite_db.transaction() as session:
        session.execute(AggregateCell.__table__.delete())
    assert runner.invoke(args=["aggregates", "verify"]).exit_code == 1
    result = runner.invoke(args=["aggregates", "rebuild"])
    assert result.exit_code == 0 and "aggregates rebuilt: 4 cells" in result.output
    assert runner.invoke(args=["aggregates", "verify"]).exit_code == 0


def test_queues_lists_every_queue_and_the_outbox(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["queues"])
    assert result.exit_code == 0, result.output
    assert "aggregation" in result.output and "outbox:" in result.output


def test_healthz_counts_dead_letters(client: Any) -> None:
    assert client.get("/healthz").get_json()["broker"]["dead_letters"] == 0


def test_redis_queue_depths_count_ready_in_progress_and_dead_letters(
    private_redis_url: str,
) -> None:
    broker = RedisBroker(url=private_redis_url, namespace=f"test-{uuid.uuid4().hex}")
    try:
        broker.declare_queue("q")
        for _ in range(3):
            broker.enqueue(Message(queue_name="q", actor_name="a", args=(), kwargs={}, options={}))
        fetched = broker.do_fetch("q", 2)  # two taken by a worker, one still ready
        taken = Message.decode(fetched[0]).options["redis_message_id"]
        broker.do_nack("q", taken)  # and one of them failed for good
        (stats,) = redis_queue_stats(broker, ["q"])
        assert (stats.ready, stats.in_progress, stats.dead) == (1, 1, 1)
    finally:
        keys = list(broker.client.scan_iter(f"{broker.namespace}:*"))
        if keys:
            broker.client.delete(*keys)
        broker.close()
