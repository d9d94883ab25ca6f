"""Counting the mixer's batches into cells, safe under concurrency."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, literal_column, select, text
from sqlalchemy.orm import Session

from surveys.aggregates.cells import (
    KEY_COLUMNS,
    RESPONSES,
    AnswerLike,
    CellKey,
    ResponseLike,
    Stats,
    answer_stats,
    lock_for_writers,
    periods,
)
from surveys.aggregates.comments import pool_comments, pool_texts
from surveys.aggregates.people import Counted, Headcount, merged
from surveys.aggregates.release import move_release_version
from surveys.db.dialect import is_postgres, upsert_insert
from surveys.db.models import AggregateCell
from surveys.domain.vocab import COHORT
from surveys.services.plans import freeze_plan

# Sum two {"value": count} objects in SQL: the stored cell's and the new row's.
_MERGE_HISTOGRAMS_PG = (
    "(SELECT coalesce(json_object_agg(k, s), '{{}}'::json) FROM ("
    "SELECT k, sum(v::bigint) AS s FROM ("
    "SELECT key AS k, value AS v FROM json_each_text(aggregate_cells.{column}) UNION ALL "
    "SELECT key, value FROM json_each_text(excluded.{column})) AS parts GROUP BY k) AS sums)"
)
_MERGE_HISTOGRAMS_SQLITE = (
    "(SELECT coalesce(json_group_object(k, s), '{{}}') FROM ("
    "SELECT key AS k, sum(value) AS s FROM ("
    "SELECT key, value FROM json_each(aggregate_cells.{column}) UNION ALL "
    "SELECT key, value FROM json_each(excluded.{column})) GROUP BY key))"
)


def _add_to_cells(
    session: Session,
    adds: Mapping[CellKey, Stats],
    people: Mapping[CellKey, Headcount],
) -> None:
    """Add ``adds`` to their cells and to their snapshots, in one upsert.

    Each cell's people are set to ``people`` (already merged with the stored
    bounds, :func:`_people`; none known: 0).

    Rows go in key order, so concurrent writers lock cells in one order: every
    responses cell (question '') before any question cell. Each cell is one
    ``INSERT ... ON CONFLICT DO UPDATE`` whose increments happen in SQL under
    the row's lock, so no count is lost between concurrent writers.
    """
    table = AggregateCell.__table__
    stmt = upsert_insert(session, table)
    merge = _MERGE_HISTOGRAMS_PG if is_postgres(session) else _MERGE_HISTOGRAMS_SQLITE
    live = {
        "n": table.c.n + stmt.excluded.n,
        "total": table.c.total + stmt.excluded.total,
        "total_sq": table.c.total_sq + stmt.excluded.total_sq,
        "histogram": literal_column(merge.format(column="histogram"), JSON),
    }
    updates = dict(live)
    updates.update({"released_" + name: value for name, value in live.items()})
    updates["released_people"] = stmt.excluded.released_people
    updates["released_people_apart"] = stmt.excluded.released_people_apart
    rows = []
    for key, stats in sorted(adds.items()):
        values: dict[str, Any] = {"n": stats.n, "total": stats.total, "total_sq": stats.total_sq}
        values["histogram"] = dict(stats.histogram)
        counted = people.get(key, Headcount())
        rows.append(
            {
                **key._asdict(),
                **values,
                **{"released_" + k: v for k, v in values.items()},
                "released_people": counted.people,
                "released_people_apart": dict(counted.apart),
            }
        )
    session.execute(
        stmt.on_conflict_do_update(index_elements=[c.key for c in KEY_COLUMNS], set_=updates),
        rows,
    )


def add_batch(
    session: Session,
    responses: Sequence[ResponseLike],
    answers: Mapping[uuid.UUID, Sequence[AnswerLike]],
    response_ids: Sequence[uuid.UUID],
    people: Mapping[CellKey, Headcount] | None = None,
    texts: Sequence[tuple[ResponseLike, str, str | None]] | None = None,
) -> int:
    """Count a mixer batch (already inserted, ``response_ids`` in the order of
    ``responses``) into its cells and release them at once, in the caller's transaction.

    Every stored (cohort, period) batch holds at least k distinct people (the
    mixer's rule, surveys/intake/mixer.py), so there is nothing to hold back:
    the cells' live values and snapshots move together, the batch's comments
    are pooled released, and the programmes' release versions move. One upsert
    for every cell of the batch. ``people`` are the batch's lower bounds of the
    people behind each cell (:func:`surveys.aggregates.people.headcounts`, made
    from the person tags before they are dropped); a cell without one counts
    as resting on nobody known. ``texts``: the batch's free-text answers as
    (response, question, text), when the caller holds them (else they are read
    back by ``response_ids``). Returns how many responses were counted.
    """
    if not responses:
        return 0
    _prepare_writes(session)
    adds = _tally(responses, answers, response_ids)
    counted = _people(session, adds, people or {})
    for key in counted.keys() - adds.keys():
        adds[key] = Stats()  # an option nobody chose this time: its people apart move
    _add_to_cells(session, adds, counted)
    if texts is None:
        pool_comments(session, response_ids)
    else:
        pool_texts(session, texts)
    for programme_id in sorted({r.programme_id for r in responses}):
        move_release_version(session, programme_id)
        # A programme's first released batch freezes its evaluation plan (dated, UTC day).
        freeze_plan(session, programme_id, datetime.now(UTC).date())
    return len(responses)


def _tally(
    responses: Sequence[ResponseLike],
    answers: Mapping[uuid.UUID, Sequence[AnswerLike]],
    response_ids: Sequence[uuid.UUID],
) -> dict[CellKey, Stats]:
    """What a batch adds to each cell: every answer row counted, as ``recompute`` does.

    The same cells as :func:`~surveys.aggregates.cells.contributions` per
    response, but the rows are first counted as flat (cohort and period,
    question, option, value) tuples: a batch holds thousands of responses and a
    few dozen distinct tuples, so the cells are made once per tuple.
    """
    tally: Counter[tuple[Any, ...]] = Counter()
    for rid, r in zip(response_ids, responses, strict=True):
        head = (r.survey_key, r.survey_version, r.firm_id, r.programme_id)
        head += tuple(getattr(r, name) for name in COHORT) + (r.period_kind, r.period)
        tally[head, RESPONSES, "", None] += 1
        tally.update((head, a.question_key, a.item, a.value) for a in answers.get(rid, ()))
    adds: dict[CellKey, Stats] = {}
    for (head, question, item, value), count in tally.items():
        stats = Stats(n=count) if question == RESPONSES else answer_stats(value, item, count)
        if stats is None:
            continue  # free text
        for kind, period in periods(head[-2], head[-1]):
            key = CellKey._make((head[0], head[1], question, item, *head[2:-2], kind, period))
            adds.setdefault(key, Stats()).add(stats)
    return adds


def _people(
    session: Session, adds: Mapping[CellKey, Stats], new: Mapping[CellKey, Headcount]
) -> dict[CellKey, Headcount]:
    """The people to store for the pass's cells: its bounds merged with the stored ones.

    Read under the writers' lock, in the mixer's transaction: the mixer (one at a
    time, surveys/intake/mixing.py) is the only writer of people, so nothing
    changes them between this read and the upsert.
    """
    groups = {key.group() for key in adds}
    table = AggregateCell.__table__
    query = select(
        *(table.c[c.key] for c in KEY_COLUMNS),
        table.c.released_people,
        table.c.released_people_apart,
        table.c.released_histogram,
    ).where(
        table.c.programme_id.in_(sorted({key.programme_id for key in adds})),
        table.c.period.in_(sorted({key.period for key in adds})),
    )
    stored: dict[CellKey, Counted] = {}
    for row in session.execute(query):
        key = CellKey._make(row[: len(KEY_COLUMNS)])
        if key.group() in groups:
            stored[key] = Counted(
                int(row.released_people or 0),
                dict(row.released_people_apart or {}),
                dict(row.released_histogram or {}),
            )
    added = {key: stats.histogram for key, stats in adds.items()}
    return merged(stored, added, new)


def _prepare_writes(session: Session) -> None:
    lock_for_writers(session)
    if is_postgres(session):
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
