"""Cells against the raw responses: recompute, verify, rebuild."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    func,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from surveys.aggregates.cells import (
    GROUP_FIELDS,
    KEY_COLUMNS,
    RESPONSES,
    CellKey,
    Stats,
    answer_stats,
    cell_key,
    periods,
)
from surveys.aggregates.release import move_release_version, release_group
from surveys.db.dialect import is_postgres
from surveys.db.models import (
    AggregateCell,
    Answer,
    Response,
)
from surveys.domain.periods import weeks_of_month


def _period_filter(kind: str, period: str) -> ColumnElement[bool]:
    """The responses counting in one period (a month: its own and its weeks')."""
    own = and_(Response.period_kind == kind, Response.period == period)
    if kind != "month":
        return own
    weeks = and_(Response.period_kind == "week", Response.period.in_(weeks_of_month(period)))
    return or_(own, weeks)


#: A release group's fields that a response carries: its survey version and cohort.
_COHORT_FIELDS = GROUP_FIELDS[: GROUP_FIELDS.index("period_kind")]
_COHORT = tuple(getattr(Response, name) for name in _COHORT_FIELDS)


def recompute(
    session: Session, *where: ColumnElement[bool], only: CellKey | None = None
) -> dict[CellKey, Stats]:
    """Every cell as the raw responses say it should be (grouped in SQL, by day and value)."""
    if only is not None:
        head = [getattr(Response, name) == getattr(only, name) for name in _COHORT_FIELDS]
        where = (*where, *head, _period_filter(only.period_kind, only.period))
    found: dict[CellKey, Stats] = {}

    def add(row: Any, question: str, item: str, stats: Stats) -> None:
        survey, version, *cohort, stored_kind, stored_period = row[:10]
        for kind, period in periods(stored_kind, stored_period):
            key = CellKey._make((survey, version, question, item, *cohort, kind, period))
            found.setdefault(key, Stats()).add(stats)

    day_cols = (*_COHORT, Response.period_kind, Response.period)
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
        stats = answer_stats(row.value, row.item, int(row.hits))
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


@dataclass(frozen=True)
class Difference:
    key: CellKey
    stored: Stats | None
    expected: Stats | None
    #: A people count that cannot be right, whatever the responses (see :func:`verify`).
    problem: str = ""

    def __str__(self) -> str:
        if self.problem:
            return f"people: {self.key}: {self.problem}"
        if self.stored is None:
            return (
                f"missing cell: {self.key} (expected n={self.expected.n if self.expected else 0})"
            )
        if self.expected is None:
            return f"extra cell: {self.key} (stored n={self.stored.n})"
        return f"differs: {self.key}: stored {self.stored} expected {self.expected}"


def _snapshot(session: Session) -> None:
    """Read everything below from one snapshot (PostgreSQL; SQLite's transactions already are)."""
    if is_postgres(session) and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def verify(session: Session) -> list[Difference]:
    """Compare every stored cell with a recomputation from raw responses.

    Responses are counted in the mixer's transaction that stores them, so
    there is nothing pending to leave out. Call it on a fresh session.

    The people behind a cell (``released_people``, ``released_people_apart``)
    cannot be recomputed: they come from person tags the mixer drops. They are
    checked only for what can be known: no more people than the responses they
    describe, nobody apart from a value who is not among the cell's people, and
    no value counted apart that the released histogram does not hold.
    """
    _snapshot(session)
    expected = recompute(session)
    expected = {key: stats for key, stats in expected.items() if stats.n}
    stored = {}
    differences = []
    for cell in session.scalars(select(AggregateCell)):
        stored[cell_key(cell)] = Stats.of_cell(cell)
        problem = _people_problem(cell)
        if problem:
            differences.append(Difference(cell_key(cell), None, None, problem))
    for key in sorted(set(expected) | set(stored)):
        have, want = stored.get(key), expected.get(key)
        if have is not None and want is None and have.n == 0:
            continue  # an empty cell (created, then its only response erased)
        if have != want:
            differences.append(Difference(key, have, want))
    return differences


def _people_problem(cell: AggregateCell) -> str:
    people, apart = cell.released_people, cell.released_people_apart or {}
    if people > cell.released_n:
        return f"{people} people behind {cell.released_n} released responses"
    # (An option's people apart are its cohort's respondents without it: not bounded here.)
    if not cell.item and any(count > people for count in apart.values()):
        return f"more people apart from a value than the cell's {people}"
    if set(apart) - {k for k, v in cell.released_histogram.items() if v}:
        return "people counted apart from a value no released answer gave"
    return ""


@dataclass(frozen=True)
class RebuildReport:
    cells: int
    removed: int
    groups_released: int


def rebuild(session: Session, *, default_k: int) -> RebuildReport:
    """Restore every cell from the raw responses, in the caller's transaction.

    Live values are replaced by the recomputation; released snapshots are kept
    (a group whose responses shrank below its snapshot, e.g. after an erasure,
    loses its snapshot) and then released by the usual rule. The people behind a
    cell cannot be recomputed (the tags are gone): every cell of a group that lost
    responses forgets them (0: hidden until a mixer batch counts people into it
    again), as fewer responses may rest on fewer people -- the whole group, since
    an option's people apart are its cohort's respondents without it. Every stored
    response came in a batch of at least k people (the mixer), so a rebuild
    releases every group whose snapshot is behind.
    """
    if is_postgres(session):
        session.execute(text("LOCK TABLE aggregate_cells IN EXCLUSIVE MODE"))
    expected = recompute(session)
    stored = {cell_key(cell): cell for cell in session.scalars(select(AggregateCell))}
    removed = [stored[key].id for key in stored.keys() - expected.keys()]
    if removed:
        session.execute(delete(AggregateCell).where(AggregateCell.id.in_(removed)))
    # Groups that lost responses (one of their cells lost counts, or went). People
    # are known per group (an option's people apart are its cohort's respondents
    # without it), so every cell of such a group forgets its people; where the
    # snapshot shows more than is left, the group's snapshot goes too. Both are set
    # on the loaded cells before anything is flushed, so no row is ever written with
    # fewer live than released responses (the ``counts`` CHECK).
    shrunk, behind = set(), set()
    for key, cell in stored.items():
        left = expected[key].n if key in expected else 0
        if left < max(cell.n or 0, cell.released_n or 0):
            shrunk.add(key.group())
        if left < (cell.released_n or 0):
            behind.add(key.group())
    for key, stats in expected.items():
        cell = stored.get(key) or AggregateCell(**key._asdict())
        if key not in stored or key.group() in behind:
            session.add(cell)
            _forget_release(cell)
        elif key.group() in shrunk:
            cell.released_people, cell.released_people_apart = 0, {}
        cell.n, cell.total, cell.total_sq = stats.n, stats.total, stats.total_sq
        cell.histogram = dict(stats.histogram)
    move_release_version(session)  # every programme's readers must look again
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
        if counter.n != counter.released_n:
            release_group(session, key.group())
            released += 1
    return RebuildReport(len(expected), len(removed), released)


def _forget_release(cell: AggregateCell) -> None:
    """Nothing of the cell released, and nobody known behind it."""
    cell.released_n, cell.released_total, cell.released_total_sq = 0, 0, 0
    cell.released_histogram = {}
    cell.released_people, cell.released_people_apart = 0, {}
