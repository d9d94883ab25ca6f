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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import and_, delete, exists, func, insert, select, text, tuple_, update
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


def contributions(response: Response, answers: Iterable[Answer]) -> dict[CellKey, Stats]:
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


def _lock_cells(session: Session, keys: Iterable[CellKey]) -> dict[CellKey, AggregateCell]:
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    empty = {"n": 0, "total": 0, "total_sq": 0, "histogram": {}}
    released = {"released_" + k: v for k, v in empty.items()}
    rows = [{**key._asdict(), **empty, **released} for key in ordered]
    dialect = postgresql if _is_postgres(session) else sqlite
    session.execute(
        dialect.insert(AggregateCell.__table__)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[c.key for c in KEY_COLUMNS])
    )
    cells = session.scalars(
        select(AggregateCell)
        .where(tuple_(*KEY_COLUMNS).in_(ordered))
        .order_by(*KEY_COLUMNS)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {cell_key(cell): cell for cell in cells}


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


def _due(
    session: Session, counter: AggregateCell, k: int, batching: bool, closed: bool | None = None
) -> bool:
    if counter.n == counter.released_n:
        return False
    if not batching or counter.n - counter.released_n >= k:
        return True
    if closed is None:
        closed = _round_closed(session, counter.period_kind, counter.period)
    return closed and counter.n >= k


def apply_response(
    session: Session, response_id: uuid.UUID, *, default_k: int, batching: bool = True
) -> bool:
    """Add one response to its cells and release the groups that are due.

    Not idempotent by itself: call it through :func:`record_submission`, which
    stores the receipt in the same transaction. Returns False if the response
    no longer exists (erased after submission).
    """
    response = session.get(Response, response_id)
    if response is None:
        return False
    answers = session.scalars(select(Answer).where(Answer.response_id == response_id))
    adds = contributions(response, answers)
    cells = _lock_cells(session, adds)
    for key, stats in adds.items():
        cell = cells[key]
        live = Stats.of_cell(cell)
        live.add(stats)
        cell.n, cell.total, cell.total_sq, cell.histogram = (
            live.n,
            live.total,
            live.total_sq,
            live.histogram,
        )
    k = min_group_size(session, response.firm_id, default_k)
    for key, cell in cells.items():
        if key.question_key == RESPONSES and _due(session, cell, k, batching):
            release_group(session, key.group())
    return True


def record_submission(
    session: Session, event_id: int, response_id: uuid.UUID, *, default_k: int, batching: bool
) -> bool:
    """Handle one ``response.submitted`` event exactly once; False if it was handled before."""
    _guard(session)
    if not outbox.claim_receipt(session, CONSUMER, event_id):
        return False
    apply_response(session, response_id, default_k=default_k, batching=batching)
    return True


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
