"""Aggregate cells: histograms per survey version x question x cohort x period.

A response counts in one cell per answered question (per chosen option for
choice questions) and per period: its ISO week (``2026-W07``), its month
(``2026-02``) and, when it answers a climate round, the round (``"12"``).
Scalar answers (Likert, 0-10, yes/no as 1/0) add to the value histogram, ``n``,
``total`` and ``total_sq``; a chosen option counts as the value 1 in its
option's cell (``item``); free text is never aggregated. Besides the question
cells, every cohort x period has one *responses cell* (``question_key == ''``)
counting its responses.

Cells are derived data: :func:`verify` recomputes them from the raw responses
and :func:`rebuild` restores them.

Batched release (PRODUCT.md 2.3). Readers see only the ``released_*`` columns.
The unit of release is a *release group*: every cell of one survey version,
cohort and period (all its questions and options together). A group is
released -- every one of its cells' snapshots set to the live values, in one
statement -- when its responses cell shows at least k responses that arrived
since the group's last release (``n - released_n >= k``), or when the group's
climate round has closed and holds at least k responses in total. k is the
firm's ``min_group_size``, else the global setting. Counting responses per
group rather than per cell means a released number only ever moves because a
batch of at least k responses of that cohort and period arrived together, and
the questions and options of one cohort stay consistent with each other. Sums
of cells (e.g. all roles) move by zero or by at least k as well. What this
does not prevent -- differencing cells of overlapping periods released at
different times (a month against its weeks) -- is refused by the disclosure
rules that read the cells. A remainder of fewer than k responses in a period
that has ended stays unreleased for good; that is the price of the rule.

Exactly once from at least once: :func:`record_submission` stores the
consumer's receipt in the same transaction as the increments. Concurrent
writers are safe: missing cells are created with ``INSERT ... ON CONFLICT DO
NOTHING`` in one sorted order, then locked with ``SELECT ... FOR UPDATE``
ordered by the key, so responses cells (question '') are always locked before
question cells (SQLite's ``BEGIN IMMEDIATE`` serialises writers anyway).
:func:`rebuild` locks the table against those writers for its duration.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, Protocol

from sqlalchemy import (
    JSON,
    and_,
    delete,
    exists,
    func,
    insert,
    literal_column,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from surveys import outbox
from surveys.db.models import (
    AggregateCell,
    Answer,
    Firm,
    OutboxEvent,
    ProcessedEvent,
    Response,
    SurveyRound,
)
from surveys.domain.events import ResponseSubmitted

#: The receipt name of the response.submitted consumer (its Dramatiq actor name).
CONSUMER = "aggregate_response"
#: question_key of the cell that counts a cohort's responses in a period.
RESPONSES = ""

GROUP_FIELDS = (
    "survey_key",
    "survey_version",
    "firm_id",
    "programme_id",
    "role",
    "level_band",
    "tenure_band",
    "gender_group",
    "period_kind",
    "period",
)


class CellKey(NamedTuple):
    """The unique key of an aggregate cell, in the order of its unique constraint."""

    survey_key: str
    survey_version: int
    question_key: str
    item: str
    firm_id: int
    programme_id: int
    role: str
    level_band: str
    tenure_band: str
    gender_group: str
    period_kind: str
    period: str

    def group(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in GROUP_FIELDS)

    def __str__(self) -> str:
        question = self.question_key or "(responses)"
        item = f"[{self.item}]" if self.item else ""
        return (
            f"{self.survey_key} v{self.survey_version} {question}{item} firm {self.firm_id} "
            f"programme {self.programme_id} {self.role}/{self.level_band}/{self.tenure_band}/"
            f"{self.gender_group} {self.period_kind} {self.period}"
        )


KEY_COLUMNS = tuple(getattr(AggregateCell, name) for name in CellKey._fields)


@dataclass
class Stats:
    """What a cell holds: n, sum, sum of squares and the value histogram."""

    n: int = 0
    total: int = 0
    total_sq: int = 0
    histogram: dict[str, int] = field(default_factory=dict)

    def add(self, other: Stats, sign: int = 1) -> None:
        self.n += sign * other.n
        self.total += sign * other.total
        self.total_sq += sign * other.total_sq
        for value, count in other.histogram.items():
            merged = self.histogram.get(value, 0) + sign * count
            if merged:
                self.histogram[value] = merged
            else:
                self.histogram.pop(value, None)

    @classmethod
    def of_value(cls, value: int, count: int = 1) -> Stats:
        return cls(count, value * count, value * value * count, {str(value): count})

    @classmethod
    def of_cell(cls, cell: AggregateCell) -> Stats:
        return cls(
            cell.n, cell.total, cell.total_sq, {k: v for k, v in cell.histogram.items() if v}
        )


def periods(submitted_on: date, round_id: int | None) -> list[tuple[str, str]]:
    """The periods a response of ``submitted_on`` (and ``round_id``) counts in."""
    year, week, _ = submitted_on.isocalendar()
    found = [("week", f"{year}-W{week:02d}"), ("month", f"{submitted_on:%Y-%m}")]
    if round_id is not None:
        found.append(("round", str(round_id)))
    return found


def _answer_stats(value: int | None, item: str, count: int = 1) -> Stats | None:
    if value is not None:
        return Stats.of_value(value, count)
    if item:
        return Stats.of_value(1, count)
    return None  # free text


class AnswerLike(Protocol):
    question_key: str
    item: str
    value: int | None


def contributions(response: Response, answers: Iterable[AnswerLike]) -> dict[CellKey, Stats]:
    """The cells one response adds to, and what it adds to each."""
    found: dict[CellKey, Stats] = {}
    answered = [(a.question_key, a.item, _answer_stats(a.value, a.item)) for a in answers]
    for kind, period in periods(response.submitted_on, response.round_id):
        cohort = (
            response.firm_id,
            response.programme_id,
            response.role,
            response.level_band,
            response.tenure_band,
            response.gender_group,
            kind,
            period,
        )
        head = (response.survey_key, response.survey_version)
        found[CellKey._make((*head, RESPONSES, "", *cohort))] = Stats(n=1)
        for question, item, stats in answered:
            if stats is not None:
                found[CellKey._make((*head, question, item, *cohort))] = stats
    return found


# -- writing -----------------------------------------------------------------------------------


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _guard(session: Session) -> None:
    """Writers take a lock that :func:`rebuild` waits for (and that waits for rebuild)."""
    if _is_postgres(session):
        session.execute(text("LOCK TABLE aggregate_cells IN ROW EXCLUSIVE MODE"))


@dataclass(frozen=True)
class CellCount:
    key: CellKey
    n: int
    released_n: int

    @property
    def period_kind(self) -> str:
        return self.key.period_kind

    @property
    def period(self) -> str:
        return self.key.period


_MERGE_HISTOGRAMS = {
    # Sum two {"value": count} objects in SQL: the stored cell's and the new row's.
    "postgresql": "(SELECT coalesce(json_object_agg(k, s), '{{}}'::json) FROM ("
    "SELECT k, sum(v::bigint) AS s FROM ("
    "SELECT key AS k, value AS v FROM json_each_text(aggregate_cells.{column}) UNION ALL "
    "SELECT key, value FROM json_each_text(excluded.{column})) AS parts GROUP BY k) AS sums)",
    "sqlite": "(SELECT coalesce(json_group_object(k, s), '{{}}') FROM ("
    "SELECT key AS k, sum(value) AS s FROM ("
    "SELECT key, value FROM json_each(aggregate_cells.{column}) UNION ALL "
    "SELECT key, value FROM json_each(excluded.{column})) GROUP BY key))",
}


def _add_to_cells(
    session: Session, adds: Mapping[CellKey, Stats], release: bool
) -> list[CellCount]:
    """Add ``adds`` to their cells in one upsert (``release``: to the snapshots as well).

    Rows go in key order, so concurrent writers lock cells in one order: every
    responses cell (question '') before any question cell. Each cell is one
    ``INSERT ... ON CONFLICT DO UPDATE`` whose increments happen in SQL under
    the row's lock, so no count is lost between concurrent writers. Returns
    the counts of the responses cells written.
    """
    dialect = session.get_bind().dialect.name
    table = AggregateCell.__table__
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    merge = _MERGE_HISTOGRAMS[dialect]
    live = {
        "n": table.c.n + stmt.excluded.n,
        "total": table.c.total + stmt.excluded.total,
        "total_sq": table.c.total_sq + stmt.excluded.total_sq,
        "histogram": literal_column(merge.format(column="histogram"), JSON),
    }
    updates = dict(live)
    if release:
        updates.update({"released_" + name: value for name, value in live.items()})
    rows = []
    for key, stats in sorted(adds.items()):
        values: dict[str, Any] = {"n": stats.n, "total": stats.total, "total_sq": stats.total_sq}
        values["histogram"] = dict(stats.histogram)
        snapshot = values if release else {"n": 0, "total": 0, "total_sq": 0, "histogram": {}}
        rows.append(
            {**key._asdict(), **values, **{"released_" + k: v for k, v in snapshot.items()}}
        )
    written = session.execute(
        stmt.on_conflict_do_update(
            index_elements=[c.key for c in KEY_COLUMNS], set_=updates
        ).returning(*(table.c[c.key] for c in KEY_COLUMNS), table.c.n, table.c.released_n),
        rows,
    )
    return [
        CellCount(CellKey._make(row[: len(KEY_COLUMNS)]), row.n, row.released_n)
        for row in written
        if row.question_key == RESPONSES
    ]


def cell_key(cell: AggregateCell) -> CellKey:
    return CellKey(*(getattr(cell, name) for name in CellKey._fields))


def _group_filter(group: tuple[Any, ...]) -> ColumnElement[bool]:
    return and_(
        *(
            getattr(AggregateCell, name) == value
            for name, value in zip(GROUP_FIELDS, group, strict=True)
        )
    )


def release_group(session: Session, group: tuple[Any, ...]) -> None:
    """Advance every cell of a release group to its live values, in one statement."""
    session.flush()
    session.execute(
        update(AggregateCell)
        .where(_group_filter(group))
        .values(
            released_n=AggregateCell.n,
            released_total=AggregateCell.total,
            released_total_sq=AggregateCell.total_sq,
            released_histogram=AggregateCell.histogram,
        )
        .execution_options(synchronize_session=False)
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, AggregateCell) and cell_key(obj).group() == group:
            session.expire(obj)


def min_group_size(session: Session, firm_id: int, default_k: int) -> int:
    configured = session.scalar(select(Firm.min_group_size).where(Firm.id == firm_id))
    return configured or default_k


def _round_closed(session: Session, period_kind: str, period: str) -> bool:
    if period_kind != "round":
        return False
    return bool(session.scalar(select(SurveyRound.closed).where(SurveyRound.id == int(period))))


class Counter(Protocol):
    @property
    def n(self) -> int: ...
    @property
    def released_n(self) -> int: ...
    @property
    def period_kind(self) -> str: ...
    @property
    def period(self) -> str: ...


def _due(
    session: Session, counter: Counter, k: int, batching: bool, closed: bool | None = None
) -> bool:
    if counter.n == counter.released_n:
        return False
    if not batching or counter.n - counter.released_n >= k:
        return True
    if closed is None:
        closed = _round_closed(session, counter.period_kind, counter.period)
    return closed and counter.n >= k


def apply_responses(
    session: Session, response_ids: Iterable[uuid.UUID], *, default_k: int, batching: bool = True
) -> int:
    """Add responses to their cells (one upsert) and release the groups that are due.

    Not idempotent by itself: call it through :func:`record_submission`, which
    stores the receipts in the same transaction. Responses that no longer
    exist (erased after submission) are skipped; returns how many were added.
    """
    ids = list(response_ids)
    responses = {r.id: r for r in session.scalars(select(Response).where(Response.id.in_(ids)))}
    if not responses:
        return 0
    answered: dict[uuid.UUID, list[Any]] = {rid: [] for rid in responses}
    rows = session.execute(
        select(Answer.response_id, Answer.question_key, Answer.item, Answer.value).where(
            Answer.response_id.in_(list(responses))
        )
    )
    for row in rows:
        answered[row.response_id].append(row)
    adds: dict[CellKey, Stats] = {}
    for rid, response in responses.items():
        for key, stats in contributions(response, answered[rid]).items():
            adds.setdefault(key, Stats()).add(stats)
    k = {
        firm: min_group_size(session, firm, default_k)
        for firm in {r.firm_id for r in responses.values()}
    }
    for counter in _add_to_cells(session, adds, release=not batching):
        if _due(session, counter, k[counter.key.firm_id], batching):
            release_group(session, counter.key.group())
    return len(responses)


def _lock_pending(session: Session, limit: int) -> list[tuple[int, uuid.UUID]]:
    """Lock up to ``limit`` unhandled response.submitted events not locked by others."""
    if limit < 1:
        return []
    handled = exists().where(
        ProcessedEvent.consumer == CONSUMER, ProcessedEvent.event_id == OutboxEvent.id
    )
    rows = session.execute(
        select(OutboxEvent.id, OutboxEvent.payload)
        .where(OutboxEvent.topic == ResponseSubmitted.topic, ~handled)
        .order_by(OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return [(event_id, uuid.UUID(payload["response_id"])) for event_id, payload in rows]


def _claim(session: Session, events: list[tuple[int, uuid.UUID]]) -> dict[int, uuid.UUID]:
    """Insert receipts for ``events``; return those whose receipt is new (ours to handle)."""
    if not events:
        return {}
    dialect = postgresql if _is_postgres(session) else sqlite
    table = ProcessedEvent.__table__
    claimed = set(
        session.scalars(
            dialect.insert(table)
            .on_conflict_do_nothing()
            .returning(table.c.event_id, sort_by_parameter_order=True),
            [{"consumer": CONSUMER, "event_id": event_id} for event_id, _ in events],
        )
    )
    return {event_id: rid for event_id, rid in events if event_id in claimed}


def _prepare_writes(session: Session) -> None:
    _guard(session)
    if _is_postgres(session):
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def record_submission(
    session: Session,
    event_id: int,
    response_id: uuid.UUID,
    *,
    default_k: int,
    batching: bool,
    batch: int = 200,
    consumers: Iterable[str] = (CONSUMER,),
) -> bool:
    """Handle one ``response.submitted`` event exactly once; False if it was handled before.

    Every call also takes up to ``batch`` other unhandled events from the
    outbox (rows locked by another consumer are skipped), so under load the
    cells are written once per batch rather than once per response, and a
    message whose event a batch already handled still moves the backlog on.
    Receipts and increments commit together, whatever the batch. Handled
    rows that every one of ``consumers`` (the topic's consumers) has a receipt
    for are deleted in the same transaction.

    On PostgreSQL the transaction commits without waiting for its WAL flush:
    cells and receipts are lost or kept together, and the outbox row that
    would redeliver an event is only purged by a durable commit (a later
    commit flushes this one first).
    """
    seen = select(ProcessedEvent.event_id).where(
        ProcessedEvent.consumer == CONSUMER, ProcessedEvent.event_id == event_id
    )
    own = session.scalar(seen) is None
    if own:
        _prepare_writes(session)  # receipts are only written after the rebuild guard
        if _is_postgres(session):  # wait for whoever holds this event (a batch, the relay)
            session.execute(
                select(OutboxEvent.id).where(OutboxEvent.id == event_id).with_for_update()
            )
        own = outbox.claim_receipt(session, CONSUMER, event_id)
        others = _lock_pending(session, batch - 1 if own else batch)
    else:
        others = _lock_pending(session, batch)
        if not others:
            return False  # a duplicate, and nothing else waiting: the cheap path
        _prepare_writes(session)
    handled = _claim(session, others)
    if own:
        handled[event_id] = response_id
    if handled:
        apply_responses(session, handled.values(), default_k=default_k, batching=batching)
        outbox.purge_handled(session, handled, consumers)
    return own


def release_round(session: Session, round_id: int, *, default_k: int) -> int:
    """A round closed: release each of its groups holding at least k responses in total."""
    _guard(session)
    counters = session.scalars(
        select(AggregateCell)
        .where(
            AggregateCell.period_kind == "round",
            AggregateCell.period == str(round_id),
            AggregateCell.question_key == RESPONSES,
            AggregateCell.item == "",
        )
        .order_by(*KEY_COLUMNS)
        .with_for_update()
    ).all()
    released = 0
    for counter in counters:
        k = min_group_size(session, counter.firm_id, default_k)
        if _due(session, counter, k, batching=True, closed=True):
            release_group(session, cell_key(counter).group())
            released += 1
    return released


# -- checking and restoring ---------------------------------------------------------------------


def _period_filter(kind: str, period: str) -> ColumnElement[bool]:
    if kind == "round":
        return Response.round_id == int(period)
    if kind == "week":
        iso_year, iso_week = period.split("-W")
        start = date.fromisocalendar(int(iso_year), int(iso_week), 1)
        end = date.fromordinal(start.toordinal() + 7)
    else:
        year, month = (int(part) for part in period.split("-"))
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
    return and_(Response.submitted_on >= start, Response.submitted_on < end)


_COHORT = (
    Response.survey_key,
    Response.survey_version,
    Response.firm_id,
    Response.programme_id,
    Response.role,
    Response.level_band,
    Response.tenure_band,
    Response.gender_group,
)


def recompute(
    session: Session, *where: ColumnElement[bool], only: CellKey | None = None
) -> dict[CellKey, Stats]:
    """Every cell as the raw responses say it should be (grouped in SQL, by day and value)."""
    if only is not None:
        head = [getattr(Response, name) == getattr(only, name) for name in GROUP_FIELDS[:8]]
        where = (*where, *head, _period_filter(only.period_kind, only.period))
    found: dict[CellKey, Stats] = {}

    def add(row: Any, question: str, item: str, stats: Stats) -> None:
        survey, version, *cohort, day, round_id = row[:10]
        for kind, period in periods(day, round_id):
            key = CellKey._make((survey, version, question, item, *cohort, kind, period))
            found.setdefault(key, Stats()).add(stats)

    day_cols = (*_COHORT, Response.submitted_on, Response.round_id)
    answer_cols = (*day_cols, Answer.question_key, Answer.item, Answer.value)
    answers = (
        select(*answer_cols, func.count().label("hits"))
        .join(Answer, Answer.response_id == Response.id)
        .where(Answer.text.is_(None), *where)
        .group_by(*answer_cols)
    )
    if only is not None:
        answers = answers.where(Answer.question_key == only.question_key, Answer.item == only.item)
    for row in session.execute(answers):
        stats = _answer_stats(row.value, row.item, int(row.hits))
        if stats is not None:
            add(row, row.question_key, row.item, stats)
    if only is None or only.question_key == RESPONSES:
        counts = select(*day_cols, func.count().label("hits")).where(*where).group_by(*day_cols)
        for row in session.execute(counts):
            add(row, RESPONSES, "", Stats(n=int(row.hits)))
    if only is not None:
        return {only: found[only]} if only in found else {}
    return found


def recompute_cell(session: Session, key: CellKey) -> Stats:
    """One cell from the raw rows."""
    return recompute(session, only=key).get(key, Stats())


def _pending(session: Session) -> dict[int, uuid.UUID]:
    """response.submitted events not yet handled by this consumer: event id -> response id."""
    handled = exists().where(
        ProcessedEvent.consumer == CONSUMER, ProcessedEvent.event_id == OutboxEvent.id
    )
    rows = session.execute(
        select(OutboxEvent.id, OutboxEvent.payload).where(
            OutboxEvent.topic == ResponseSubmitted.topic, ~handled
        )
    )
    return {event_id: uuid.UUID(payload["response_id"]) for event_id, payload in rows}


@dataclass(frozen=True)
class Difference:
    key: CellKey
    stored: Stats | None
    expected: Stats | None

    def __str__(self) -> str:
        if self.stored is None:
            return (
                f"missing cell: {self.key} (expected n={self.expected.n if self.expected else 0})"
            )
        if self.expected is None:
            return f"extra cell: {self.key} (stored n={self.stored.n})"
        return f"differs: {self.key}: stored {self.stored} expected {self.expected}"


def _snapshot(session: Session) -> None:
    """Read everything below from one snapshot (PostgreSQL; SQLite's transactions already are)."""
    if _is_postgres(session) and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def verify(session: Session) -> list[Difference]:
    """Compare every stored cell with a recomputation from raw responses.

    Responses whose ``response.submitted`` event is still waiting for this
    consumer are left out of the recomputation: the pipeline has not counted
    them yet, which is not a difference. Call it on a fresh session.
    """
    _snapshot(session)
    expected = recompute(session)
    pending = set(_pending(session).values())
    for response in session.scalars(select(Response).where(Response.id.in_(pending))):
        answers = session.scalars(select(Answer).where(Answer.response_id == response.id))
        for key, stats in contributions(response, answers).items():
            expected.setdefault(key, Stats()).add(stats, sign=-1)
    expected = {key: stats for key, stats in expected.items() if stats.n}
    stored = {
        cell_key(cell): Stats.of_cell(cell) for cell in session.scalars(select(AggregateCell))
    }
    differences = []
    for key in sorted(set(expected) | set(stored)):
        have, want = stored.get(key), expected.get(key)
        if have is not None and want is None and have.n == 0:
            continue  # an empty cell (created, then its only response erased)
        if have != want:
            differences.append(Difference(key, have, want))
    return differences


@dataclass(frozen=True)
class RebuildReport:
    cells: int
    removed: int
    pending_absorbed: int
    groups_released: int


def rebuild(session: Session, *, default_k: int, batching: bool = True) -> RebuildReport:
    """Restore every cell from the raw responses, in the caller's transaction.

    Live values are replaced by the recomputation; released snapshots are kept
    (a group whose responses shrank below its snapshot, e.g. after an erasure,
    loses its snapshot) and then released by the usual rule. Events still
    pending for this consumer are counted by the rebuild and receive their
    receipts, so their later delivery is a no-op.
    """
    if _is_postgres(session):
        session.execute(text("LOCK TABLE aggregate_cells IN EXCLUSIVE MODE"))
    expected = recompute(session)
    stored = {cell_key(cell): cell for cell in session.scalars(select(AggregateCell))}
    removed = [stored[key].id for key in stored.keys() - expected.keys()]
    if removed:
        session.execute(delete(AggregateCell).where(AggregateCell.id.in_(removed)))
    shrunk: set[tuple[Any, ...]] = set()
    for key, stats in expected.items():
        cell = stored.get(key)
        if cell is None:
            cell = AggregateCell(**key._asdict(), released_n=0, released_total=0)
            cell.released_total_sq, cell.released_histogram = 0, {}
            session.add(cell)
        cell.n, cell.total, cell.total_sq = stats.n, stats.total, stats.total_sq
        cell.histogram = dict(stats.histogram)
        if cell.released_n > cell.n:
            shrunk.add(key.group())
    for group in shrunk:
        session.flush()
        session.execute(
            update(AggregateCell)
            .where(_group_filter(group))
            .values(released_n=0, released_total=0, released_total_sq=0, released_histogram={})
            .execution_options(synchronize_session=False)
        )
    pending = _pending(session)
    if pending:
        session.execute(
            insert(ProcessedEvent), [{"consumer": CONSUMER, "event_id": e} for e in pending]
        )
    session.flush()
    released = 0
    for key in sorted(k for k in expected if k.question_key == RESPONSES):
        counter = (
            stored.get(key)
            or session.scalars(
                select(AggregateCell).where(tuple_(*KEY_COLUMNS) == tuple_(*key))
            ).one()
        )
        session.refresh(counter)
        if _due(session, counter, min_group_size(session, key.firm_id, default_k), batching):
            release_group(session, key.group())
            released += 1
    return RebuildReport(len(expected), len(removed), len(pending), released)


def released(session: Session, key: CellKey) -> Stats:
    """The snapshot readers may see for ``key`` (empty until first released)."""
    cell = session.scalars(
        select(AggregateCell).where(tuple_(*KEY_COLUMNS) == tuple_(*key))
    ).one_or_none()
    if cell is None:
        return Stats()
    return Stats(
        cell.released_n,
        cell.released_total,
        cell.released_total_sq,
        {k: v for k, v in cell.released_histogram.items() if v},
    )
