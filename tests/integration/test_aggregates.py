"""Aggregate cells as the mixer writes them: what a response adds, exactly once, batches of k
people, verify and rebuild."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update

from surveys import aggregates as agg
from surveys.aggregates import CellKey, Stats
from surveys.db.models import AggregateCell, Firm, SealedSubmission, SurveyRound
from surveys.db.session import Database
from surveys.intake.sealing import period_of
from tests.support import factories as f
from tests.support.sealing import mix
from tests.support.submissions import DAY, submit

K = 5
COHORT = (1, 1, "mentor", "junior", "2-5y", "woman")
#: A day inside the helpers' week (2026-W06): nothing has ended, no merging.
DURING = DAY + timedelta(days=1)


def key(
    db_ids: tuple[int, int],
    question: str,
    item: str = "",
    kind: str = "week",
    period: str = "2026-W06",
    gender: str = "woman",
) -> CellKey:
    firm_id, programme_id = db_ids
    return CellKey(
        "mentor_pulse",
        1,
        question,
        item,
        firm_id,
        programme_id,
        "mentor",
        "junior",
        "2-5y",
        gender,
        kind,
        period,
    )


def setup(db: Database, **firm_kw: Any) -> tuple[int, int]:
    with db.transaction() as session:
        programme = f.programme(session, f.firm(session, **firm_kw))
        return programme.firm_id, programme.id


def submitted(
    db: Database,
    ids: tuple[int, int],
    count: int = 1,
    *,
    k: int = 1,
    today: date | None = None,
    **kw: Any,
) -> int:
    """Seal ``count`` submissions of distinct people, then run one mixer pass with ``k``
    (1 by default: every submission is a batch, for the tests of what a response adds).
    Returns how many the pass released."""
    with db.transaction() as session:
        for _ in range(count):
            submit(session, ids, **kw)
    return mix(db, k=k, today=today).released


def sealed(db: Database) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(SealedSubmission)) or 0)


def live(db: Database, k: CellKey) -> Stats:
    with db.sessions() as session:
        cell = session.scalars(
            select(AggregateCell).where(
                AggregateCell.question_key == k.question_key,
                AggregateCell.item == k.item,
                AggregateCell.period_kind == k.period_kind,
                AggregateCell.period == k.period,
                AggregateCell.firm_id == k.firm_id,
            )
        ).one_or_none()
        return Stats() if cell is None else Stats.of_cell(cell)


def released(db: Database, k: CellKey) -> Stats:
    with db.sessions() as session:
        return agg.released(session, k)


def test_a_scalar_answer_counts_in_its_week_and_month_histograms(db: Database) -> None:
    ids = setup(db)
    submitted(db, ids, answers={"useful": 4})
    submitted(db, ids, answers={"useful": 2})
    expected = Stats(n=2, total=6, total_sq=20, histogram={"4": 1, "2": 1})
    assert live(db, key(ids, "useful")) == expected
    assert live(db, key(ids, "useful", kind="month", period="2026-02")) == expected
    assert live(db, key(ids, agg.RESPONSES)).n == 2


def test_iso_weeks_and_months_follow_the_calendar_at_year_ends() -> None:
    # A response holds its period, not a date: a week counts in its week and the month of
    # its Thursday; a climate response counts in its round only.
    assert period_of(None, date(2027, 1, 1)) == "2026-W53"
    assert agg.periods("week", "2026-W53") == [("week", "2026-W53"), ("month", "2026-12")]
    assert agg.periods("week", period_of(None, date(2026, 2, 9))) == [
        ("week", "2026-W07"),
        ("month", "2026-02"),
    ]
    assert agg.periods("round", "7") == [("round", "7")]


def test_each_chosen_option_counts_in_its_own_cell_and_free_text_is_not_aggregated(
    db: Database,
) -> None:
    ids = setup(db)
    submitted(db, ids, answers={"topics": ["workload", "clients"], "comment": "secret words"})
    submitted(db, ids, answers={"topics": ["workload"]})
    assert live(db, key(ids, "topics", "workload")).n == 2
    assert live(db, key(ids, "topics", "clients")) == Stats(1, 1, 1, {"1": 1})
    with db.sessions() as session:
        questions = set(session.scalars(select(AggregateCell.question_key)))
    assert "comment" not in questions


def test_a_round_response_also_counts_in_its_round_cell(db: Database) -> None:
    ids = setup(db)
    round_id = open_round(db, ids)
    assert submitted(db, ids, answers={"useful": 3}, round_id=round_id) == 0  # mixed at close
    with db.transaction() as session:
        session.execute(update(SurveyRound).where(SurveyRound.id == round_id).values(closed=True))
    assert mix(db, k=1).released == 1
    assert live(db, key(ids, "useful", kind="round", period=str(round_id))).n == 1


def test_a_second_mixer_pass_counts_nothing_again(db: Database) -> None:
    ids = setup(db)
    with db.transaction() as session:
        submit(session, ids, answers={"useful": 4})
    assert [mix(db, k=1).released for _ in range(2)] == [1, 0]
    assert live(db, key(ids, "useful")).n == 1


def test_results_are_released_only_in_batches_of_k_new_people(db: Database) -> None:
    ids = setup(db)
    submitted(db, ids, K - 1, k=K, today=DURING, answers={"useful": 4, "topics": ["workload"]})
    # Nothing is stored at all below k: the submissions wait sealed.
    assert live(db, key(ids, "useful")) == Stats()
    assert released(db, key(ids, "useful")) == Stats()
    assert sealed(db) == K - 1
    submitted(db, ids, k=K, today=DURING, answers={"useful": 2, "topics": ["clients"]})
    snapshot = released(db, key(ids, "useful"))
    assert snapshot.n == K and snapshot.histogram == {"4": K - 1, "2": 1}
    # Every cell of the cohort and period moves together, options included.
    assert released(db, key(ids, "topics", "clients")).n == 1
    assert released(db, key(ids, agg.RESPONSES)).n == K
    assert live(db, key(ids, "useful")).n == K  # stored and released together
    submitted(db, ids, K - 1, k=K, today=DURING, answers={"useful": 1})
    assert released(db, key(ids, "useful")).n == K  # four new ones are not enough
    submitted(db, ids, k=K, today=DURING, answers={"useful": 1})
    assert released(db, key(ids, "useful")).n == 2 * K
    assert sealed(db) == 0


def test_a_firms_own_minimum_group_size_sets_the_batch(db: Database) -> None:
    ids = setup(db, min_group_size=3)
    submitted(db, ids, 2, k=K, today=DURING, answers={"useful": 4})
    assert released(db, key(ids, "useful")).n == 0
    submitted(db, ids, 1, k=K, today=DURING, answers={"useful": 4})
    assert released(db, key(ids, "useful")).n == 3


def test_with_k_of_one_every_response_is_released_at_once(db: Database) -> None:
    ids = setup(db)
    submitted(db, ids, answers={"useful": 4}, k=1, today=DURING)
    assert released(db, key(ids, "useful")).n == 1


def open_round(db: Database, ids: tuple[int, int]) -> int:
    with db.transaction() as session:
        row = SurveyRound(
            programme_id=ids[1],
            survey_key="mentor_pulse",
            survey_version=1,
            label="baseline",
            opened_on=date(2026, 2, 1),
            closes_on=date(2026, 2, 28),
        )
        session.add(row)
        session.flush()
        return row.id


def close_round(db: Database, round_id: int) -> int:
    """Close the round and run the pass its closing starts; returns what it released."""
    with db.transaction() as session:
        session.execute(update(SurveyRound).where(SurveyRound.id == round_id).values(closed=True))
    return mix(db, k=K, today=DURING).released


def test_closing_a_round_merges_its_remainder_upward_when_it_holds_k_people(
    db: Database,
) -> None:
    ids = setup(db)
    round_id = open_round(db, ids)
    submitted(db, ids, K - 2, k=K, today=DURING, answers={"useful": 4}, round_id=round_id)
    submitted(
        db, ids, 2, k=K, today=DURING, answers={"useful": 4}, round_id=round_id, gender_group="man"
    )
    merged = key(ids, "useful", kind="round", period=str(round_id), gender="*")
    assert released(db, merged).n == 0  # neither cell holds k people while the round is open
    assert close_round(db, round_id) == K
    assert released(db, merged).n == K
    assert released(db, key(ids, "useful")).n == 0  # a climate response has no week


def test_closing_a_round_with_fewer_than_k_responses_releases_nothing(db: Database) -> None:
    ids = setup(db)
    round_id = open_round(db, ids)
    submitted(db, ids, K - 1, k=K, today=DURING, answers={"useful": 4}, round_id=round_id)
    assert close_round(db, round_id) == 0
    assert released(db, key(ids, "useful", kind="round", period=str(round_id))).n == 0
    assert sealed(db) == K - 1  # waiting for the survey's next round, never stored alone


def test_a_submission_after_its_round_was_released_waits_rather_than_stand_alone(
    db: Database,
) -> None:
    ids = setup(db)
    round_id = open_round(db, ids)
    submitted(db, ids, K + 1, k=K, today=DURING, answers={"useful": 4}, round_id=round_id)
    close_round(db, round_id)
    submitted(db, ids, k=K, today=DURING, answers={"useful": 4}, round_id=round_id)  # late
    assert released(db, key(ids, "useful", kind="round", period=str(round_id))).n == K + 1
    assert sealed(db) == 1


def test_verify_finds_nothing_when_the_cells_match_the_responses(db: Database) -> None:
    ids = setup(db)
    submitted(db, ids, 3)
    submitted(db, ids, 2, submitted_on=date(2026, 3, 30), role="mentee")
    with db.sessions() as session:
        assert agg.verify(session) == []


def test_verify_leaves_out_submissions_still_sealed(db: Database) -> None:
    ids = setup(db)
    submitted(db, ids, 2)
    with db.transaction() as session:
        submit(session, ids)  # committed, not yet mixed
    with db.sessions() as session:
        assert agg.verify(session) == []


def test_verify_reports_changed_missing_and_extra_cells(db: Database) -> None:
    ids = setup(db)
    submitted(db, ids, 2, answers={"useful": 4, "heard": 3})
    with db.transaction() as session:
        session.execute(
            update(AggregateCell)
            .where(AggregateCell.question_key == "useful")
            .values(n=AggregateCell.n + 1)
        )
        session.execute(
            AggregateCell.__table__.delete().where(
                AggregateCell.question_key == "heard", AggregateCell.period_kind == "month"
            )
        )
        session.add(
            AggregateCell(
                **key(ids, "ghost")._asdict(),
                n=1,
                total=1,
                total_sq=1,
                histogram={"1": 1},
                released_n=0,
                released_total=0,
                released_total_sq=0,
                released_histogram={},
            )
        )
    with db.sessions() as session:
        found = {
            (str(d).split(":")[0], d.key.question_key, d.key.period_kind)
            for d in agg.verify(session)
        }
    assert found == {
        ("differs", "useful", "week"),
        ("differs", "useful", "month"),
        ("missing cell", "heard", "month"),
        ("extra cell", "ghost", "week"),
    }


def test_rebuild_restores_the_cells_and_keeps_the_released_snapshots(db: Database) -> None:
    ids = setup(db)
    submitted(db, ids, K + 1, k=K, today=DURING, answers={"useful": 4})
    with db.transaction() as session:
        session.execute(update(AggregateCell).values(n=AggregateCell.n + 3, histogram={}))
    with db.transaction() as session:
        report = agg.rebuild(session, default_k=K)
    assert report.groups_released == 0
    with db.sessions() as session:
        assert agg.verify(session) == []
    assert live(db, key(ids, "useful")).n == K + 1
    assert released(db, key(ids, "useful")).n == K + 1  # the batch was released whole


def test_rebuild_leaves_the_sealed_inbox_to_the_next_pass_which_counts_it_once(
    db: Database,
) -> None:
    ids = setup(db)
    with db.transaction() as session:
        submit(session, ids, answers={"useful": 4})
    with db.transaction() as session:
        assert agg.rebuild(session, default_k=K).pending_absorbed == 0
    assert sealed(db) == 1
    assert mix(db, k=1).released == 1
    assert live(db, key(ids, "useful")).n == 1
    with db.sessions() as session:
        assert agg.verify(session) == []


def test_one_cell_is_recomputed_from_the_raw_rows(db: Database) -> None:
    ids = setup(db)
    submitted(db, ids, 3, answers={"useful": 5, "topics": ["clients"]})
    submitted(db, ids, 2, answers={"useful": 5}, submitted_on=date(2026, 2, 20))
    with db.sessions() as session:
        month = key(ids, "useful", kind="month", period="2026-02")
        assert agg.recompute_cell(session, month) == Stats(5, 25, 125, {"5": 5})
        assert agg.recompute_cell(session, key(ids, "topics", "clients")).n == 3
        assert agg.recompute_cell(session, key(ids, agg.RESPONSES, period="2026-W08")).n == 2


def test_concurrent_mixer_passes_lose_and_double_no_count_on_postgres(
    pg_db: Database,
) -> None:
    ids = setup(pg_db)
    with pg_db.transaction() as session:
        session.execute(update(Firm).values(min_group_size=3))
        for i in range(60):
            submit(session, ids, answers={"useful": 1 + i % 5})
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def consume() -> None:
        start.wait(timeout=10)
        try:
            mix(pg_db, k=K, today=DURING)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=consume) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert live(pg_db, key(ids, "useful")).n == 60
    with pg_db.sessions() as session:
        assert agg.verify(session) == []
