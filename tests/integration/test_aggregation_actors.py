"""The aggregation consumers on the in-memory broker: relayed events reach the cells once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from dramatiq import Worker
from sqlalchemy import select, update

from surveys import aggregates as agg
from surveys import outbox
from surveys.db.models import AggregateCell, OutboxEvent, SurveyRound
from surveys.db.session import Database
from surveys.domain.events import SurveyClosed
from tests.support import factories as f
from tests.support.submissions import submit
from workers import runtime
from workers.actors.aggregation import QUEUE, aggregate_response
from workers.actors.relay import make_publisher, sweep
from workers.broker import broker


@pytest.fixture
def pipeline(
    db: Database, make_settings: Callable[..., object], stub_worker: Worker
) -> Iterator[Database]:
    runtime.configure(make_settings(database_url=db.url, min_group_size=3), db)  # type: ignore[arg-type]
    clear()
    yield db
    clear()


def clear() -> None:
    broker.flush_all()
    for dead in broker.dead_letters_by_queue.values():
        dead.clear()  # in place: consumers hold these lists


def drain(fail_fast: bool = True) -> None:
    broker.join(QUEUE, timeout=20_000, fail_fast=fail_fast)


def programme_ids(db: Database) -> tuple[int, int]:
    with db.transaction() as session:
        programme = f.programme(session)
        return programme.firm_id, programme.id


def useful_cells(db: Database) -> dict[str, tuple[int, int]]:
    with db.sessions() as session:
        cells = session.scalars(select(AggregateCell).where(AggregateCell.question_key == "useful"))
        return {c.period_kind: (c.n, c.released_n) for c in cells}


def test_relayed_submissions_reach_their_cells_and_match_a_recomputation(
    pipeline: Database,
) -> None:
    ids = programme_ids(pipeline)
    for value in (1, 2, 3, 4):
        with pipeline.transaction() as session:
            submit(session, ids, answers={"useful": value, "topics": ["clients"]})
    assert sweep() == 4
    drain()
    cells = useful_cells(pipeline)
    assert cells["week"][0] == cells["month"][0] == 4
    assert cells["week"][1] in (3, 4)  # released in batches of at least k = 3
    with pipeline.sessions() as session:
        assert agg.verify(session) == []
    assert sweep(redeliver_after=timedelta(0)) == 0  # handled rows were purged


def test_every_event_delivered_twice_still_matches_the_recomputation(pipeline: Database) -> None:
    ids = programme_ids(pipeline)
    with pipeline.transaction() as session:
        for value in range(6):
            submit(session, ids, answers={"useful": value % 5 + 1})
    publish = make_publisher(broker)
    with pipeline.sessions() as session:
        rows = [
            outbox.Publication(r.id, r.topic, dict(r.payload))
            for r in session.scalars(select(OutboxEvent))
        ]
    for row in rows + rows:
        publish(row)
    drain()
    assert useful_cells(pipeline)["week"][0] == 6
    with pipeline.sessions() as session:
        assert agg.verify(session) == []


def test_a_closed_round_releases_its_remainder(pipeline: Database) -> None:
    ids = programme_ids(pipeline)
    with pipeline.transaction() as session:
        round_ = SurveyRound(
            programme_id=ids[1],
            survey_key="mentor_pulse",
            survey_version=1,
            label="baseline",
            opened_on=date(2026, 2, 1),
            closes_on=date(2026, 2, 28),
        )
        session.add(round_)
        session.flush()
        round_id = round_.id
    for batch in (3, 1):  # three released together, then one held back
        with pipeline.transaction() as session:
            for _ in range(batch):
                submit(session, ids, answers={"useful": 4}, round_id=round_id)
        sweep()
        drain()
    assert useful_cells(pipeline)["round"] == (4, 3)
    with pipeline.transaction() as session:
        session.execute(update(SurveyRound).values(closed=True))
        outbox.add_event(session, SurveyClosed(round_id=round_id))
    sweep()
    drain()
    assert useful_cells(pipeline)["round"] == (4, 4)


def test_a_malformed_message_is_dead_lettered_at_once(pipeline: Database) -> None:
    aggregate_response.send(1, response_id="not-a-uuid")
    drain(fail_fast=False)
    assert len(broker.dead_letters_by_queue[QUEUE]) == 1


def test_worker_logs_never_name_a_response_id(
    pipeline: Database, caplog: pytest.LogCaptureFixture
) -> None:
    secret = str(uuid.uuid4())
    with caplog.at_level(logging.DEBUG):
        aggregate_response.send(2, response_id=secret)
        aggregate_response.send(3, response_id=secret[:-1] + "x")
        drain(fail_fast=False)
    assert "aggregate_response" in caplog.text
    assert secret[:-1] not in caplog.text
