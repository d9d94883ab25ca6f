"""The mixer actor and the round consumer on the in-memory broker (PRODUCT.md 2.3).

Submissions are sealed; only a mixer pass (the clock's ``mix_submissions``, or
``finalise_round`` when a climate round closes) stores and counts them, in
batches of at least k people. Release timing: the k-th submission of a cohort
changes nothing anyone can read until the scheduled pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from dramatiq import Worker
from sqlalchemy import func, select, update

from surveys import aggregates as agg
from surveys import outbox
from surveys.db.models import AggregateCell, OutboxEvent, Response, SealedSubmission, SurveyRound
from surveys.db.session import Database
from surveys.domain.events import TOPICS, SurveyClosed
from surveys.services.invitations import issue_pulse_invitations
from tests.support import factories as f
from tests.support.sealing import submit_token
from tests.support.submissions import submit
from workers import runtime
from workers.actors.aggregation import QUEUE, finalise_round
from workers.actors.mixing import mix_submissions
from workers.actors.relay import sweep
from workers.actors.routing import consumers_by_topic
from workers.broker import broker
from workers.scheduler import LocalLease, Scheduler, periodic_jobs

K = 3
MIX_EVERY_HOURS = 6


@pytest.fixture
def pipeline(
    db: Database, make_settings: Callable[..., object], stub_worker: Worker
) -> Iterator[Database]:
    settings = make_settings(
        database_url=db.url, min_group_size=K, mix_interval_hours=MIX_EVERY_HOURS
    )
    runtime.configure(settings, db)  # type: ignore[arg-type]
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


def count(db: Database, table: Any) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_mixer_pass_releases_its_batches_and_matches_a_recomputation(
    pipeline: Database,
) -> None:
    ids = programme_ids(pipeline)
    for value in (1, 2, 3, 4):
        with pipeline.transaction() as session:
            submit(session, ids, answers={"useful": value, "topics": ["clients"]})
    assert useful_cells(pipeline) == {}  # sealed: nothing counted before the pass
    mix_submissions.send()
    drain()
    cells = useful_cells(pipeline)
    assert cells["week"] == cells["month"] == (4, 4)  # one batch of 4 >= k people
    assert count(pipeline, SealedSubmission) == 0
    with pipeline.sessions() as session:
        assert agg.verify(session) == []


def test_the_mix_message_delivered_twice_still_matches_the_recomputation(
    pipeline: Database,
) -> None:
    ids = programme_ids(pipeline)
    with pipeline.transaction() as session:
        for value in range(6):
            submit(session, ids, answers={"useful": value % 5 + 1})
    message = mix_submissions.message()
    broker.enqueue(message)
    broker.enqueue(message)  # the same message again: the second pass finds nothing
    drain()
    assert useful_cells(pipeline)["week"] == (6, 6)
    assert count(pipeline, Response) == 6
    with pipeline.sessions() as session:
        assert agg.verify(session) == []


def test_a_closed_round_starts_a_pass_that_merges_its_remainder(pipeline: Database) -> None:
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
    with pipeline.transaction() as session:
        for gender in ("woman", "woman", "man"):  # no cell holds k = 3 people
            submit(session, ids, answers={"useful": 4}, round_id=round_id, gender_group=gender)
    mix_submissions.send()
    drain()
    assert useful_cells(pipeline) == {}
    with pipeline.transaction() as session:
        session.execute(update(SurveyRound).values(closed=True))
        outbox.add_event(session, SurveyClosed(round_id=round_id))
    sweep()
    drain()
    assert useful_cells(pipeline)["round"] == (3, 3)  # merged: gender generalised to '*'
    with pipeline.sessions() as session:
        assert set(session.scalars(select(Response.gender_group))) == {"*"}
        assert agg.verify(session) == []


def test_the_round_consumer_runs_once_per_event(pipeline: Database) -> None:
    ids = programme_ids(pipeline)
    with pipeline.transaction() as session:
        event_id = outbox.add_event(session, SurveyClosed(round_id=1))
    finalise_round.send(event_id, round_id=1)
    drain()
    with pipeline.transaction() as session:
        submit(session, ids, answers={"useful": 4})
        submit(session, ids, answers={"useful": 4}, person="a")
        submit(session, ids, answers={"useful": 4}, person="b")
    finalise_round.send(event_id, round_id=1)  # redelivered: its receipt is taken
    drain()
    assert count(pipeline, SealedSubmission) == 3


def test_mixer_logs_carry_counts_only(pipeline: Database, caplog: pytest.LogCaptureFixture) -> None:
    ids = programme_ids(pipeline)
    secret = "my manager is Jane Roe"
    with pipeline.transaction() as session:
        people = [submit(session, ids, answers={"useful": 4, "comment": secret}) for _ in range(K)]
    with caplog.at_level(logging.DEBUG):
        mix_submissions.send()
        drain()
    assert "mix_submissions" in caplog.text
    assert "3 released in 1 batches, 0 waiting" in caplog.text
    with pipeline.sessions() as session:
        response_ids = [str(i) for i in session.scalars(select(Response.id))]
    for leak in (secret, *people, *response_ids):
        assert leak not in caplog.text


def test_the_kth_submission_changes_nothing_visible_until_the_scheduled_pass(
    pipeline: Database,
) -> None:
    """Release timing (issue 13): the clock mixes every FLIPSIDE_MIX_INTERVAL_HOURS, never
    per submission, so no release marks the moment of the k-th person's submission."""
    # A submission writes no event (the per-response pipeline's submission.sealed is gone).
    assert "submission.sealed" not in TOPICS and "submission.sealed" not in consumers_by_topic()
    now = [0.0]
    jobs = [job for job in periodic_jobs() if job.name == "mix"]
    assert [job.every for job in jobs] == [MIX_EVERY_HOURS * 3600.0]
    clock = Scheduler(jobs, LocalLease(), clock=lambda: now[0])
    assert clock.tick() == ["mix"]  # the clock's first pass: nothing to mix yet
    drain()

    with pipeline.transaction() as session:
        programme = f.programme(session)
        tokens = []
        for _ in range(K):
            pairing = f.pairing(session, programme)
            meeting = f.meeting(session, pairing)
            invitations = issue_pulse_invitations(session, meeting.id, f.SECRET, ttl_days=14)
            tokens += [f.token_of(i) for i in invitations if i.person_id == pairing.mentor_id]
    with pipeline.sessions() as session:
        before = session.scalar(select(func.max(OutboxEvent.id))) or 0
    for hour, token in enumerate(tokens, start=1):
        with pipeline.transaction() as session:
            submit_token(session, token, f.MENTOR_ANSWERS)
        with pipeline.sessions() as session:
            new = session.scalars(select(OutboxEvent).where(OutboxEvent.id > before)).all()
            assert new == []  # a submission writes no outbox event: nothing to publish
        sweep()  # the relay does whatever a submission's commit triggers
        drain()
        now[0] = hour * 600.0
        assert clock.tick() == []  # the k-th submission starts no pass either
        drain()
        assert count(pipeline, Response) == 0
        assert count(pipeline, AggregateCell) == 0
    now[0] = MIX_EVERY_HOURS * 3600.0  # the scheduled pass
    assert clock.tick() == ["mix"]
    drain()
    assert count(pipeline, Response) == K
    with pipeline.sessions() as session:
        released = session.scalar(
            select(func.sum(AggregateCell.released_n)).where(AggregateCell.question_key == "")
        )
        assert released and released >= K
        assert agg.verify(session) == []
