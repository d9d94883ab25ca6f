"""Reports derived from released snapshots, decided once per release and kept.

A dashboard report (the pulse trends, the responses behind the overview's
response rates) is a pure function of a programme's released aggregate cells,
its pooled comments released with them, the firm's k and which surveys run in
rounds. Those change only when a batch is released, the cells are rebuilt or a
round is opened, and each of those moves the programme's ``release_version``
in the same transaction (surveys/aggregates/release.py). So a report is kept
under (report, programme, release version, k, ...) and computed again only
when one of them moves.

:func:`cached` looks in three places, in order: this process's small
least-recently-used map; the ``released_reports`` table, which the worker
fills right after each release (surveys/reports/precompute.py), so the first
view after a release is as fast as the next; and only then computes the report
and stores it for the other processes. A stored body is JSON read back through
the report's ``from_dict`` (never pickle: whoever can write the database must
not get to run code in web processes), and one that does not parse into the
report is computed again and replaced. The key holds the release version, so
a row of an earlier release is never served; storing a newer one deletes it.

Only derived, already-disclosed reports are kept (never raw cells or live
counts).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from surveys.db.dialect import is_postgres, upsert_insert
from surveys.db.models import Programme, ReleasedReport

T = TypeVar("T")

log = logging.getLogger(__name__)

#: Reports kept per process (each is small: per-month aggregates of one programme).
MAX_REPORTS = 256

#: ``session.info`` flag of the worker's precompute: store in this session (the caller
#: commits), and do not take a report from this process's map.
STORING = "flipside.reports.storing"

_reports: OrderedDict[Hashable, object] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How one kind of report goes to JSON values and back (validating)."""

    to_dict: Callable[[T], Any]
    #: Raises ValueError or TypeError (e.g. :class:`~surveys.reports.codec.Malformed`).
    from_dict: Callable[[Any], T]


@dataclass(frozen=True)
class ReportKey:
    """One report of one programme as it stands at one release version."""

    name: str
    programme_id: int
    firm_id: int
    created_at: datetime
    release_version: int
    k: int
    extra: tuple[str, ...]

    def stored_extra(self) -> str:
        """The rest of the key, as stored: the creation time (a deleted programme's
        id can be given again) and the report's own parts."""
        return json.dumps([self.firm_id, self.created_at.isoformat(), *self.extra])


def key_for(report: str, programme: Programme, k: int, *extra: str) -> ReportKey:
    """The key of one report of ``programme`` as it stands now."""
    return ReportKey(
        report,
        programme.id,
        programme.firm_id,
        programme.created_at,
        programme.release_version,
        k,
        tuple(extra),
    )


def cached(session: Session, key: ReportKey, compute: Callable[[], T], codec: Codec[T]) -> T:
    """The report under ``key``: kept in the process, else stored, else computed and stored.

    Build ``key`` with :func:`key_for`. Two processes missing together both
    compute; the results are equal and the second store does nothing.
    """
    storing = bool(session.info.get(STORING))
    if not storing:
        with _lock:
            if key in _reports:
                _reports.move_to_end(key)
                return _reports[key]  # type: ignore[return-value]
    body = _load(session, key)
    report: T | None = None
    if body is not None:
        try:
            report = codec.from_dict(json.loads(body))
        except (ValueError, TypeError, RecursionError) as exc:
            log.warning(
                "stored report %r of programme %d unreadable (%s): computing it again",
                key.name,
                key.programme_id,
                type(exc).__name__,
            )
    if report is None:
        report = compute()
        _store(session, key, json.dumps(codec.to_dict(report)), replace=body is not None)
    with _lock:
        _reports[key] = report
        _reports.move_to_end(key)
        while len(_reports) > MAX_REPORTS:
            _reports.popitem(last=False)
    return report


def _where(key: ReportKey) -> tuple[Any, ...]:
    return (
        ReleasedReport.programme_id == key.programme_id,
        ReleasedReport.name == key.name,
        ReleasedReport.release_version == key.release_version,
        ReleasedReport.k == key.k,
        ReleasedReport.extra == key.stored_extra(),
    )


def _load(session: Session, key: ReportKey) -> str | None:
    found: str | None = session.scalar(select(ReleasedReport.body).where(*_where(key)))
    return found


def _store(session: Session, key: ReportKey, body: str, *, replace: bool) -> None:
    """Store ``body`` under ``key`` and drop the report's rows of earlier releases.

    On PostgreSQL the row is written on a connection of its own, in a short
    transaction of its own (a view's session only reads; the worker's reads a
    snapshot). On SQLite the open transaction already holds the database's one
    write lock: the worker's precompute writes in its session (and commits it),
    and a web view keeps the report in the process only (the worker stores it
    after each release).
    """
    if is_postgres(session):
        bind = session.get_bind()
        engine = bind.engine if isinstance(bind, Connection) else bind
        with engine.begin() as conn:
            _write(conn, key, body, replace=replace)
    elif session.info.get(STORING):
        _write(session.connection(), key, body, replace=replace)


def _write(conn: Connection, key: ReportKey, body: str, *, replace: bool) -> None:
    older = (
        ReleasedReport.programme_id == key.programme_id,
        ReleasedReport.name == key.name,
        ReleasedReport.release_version < key.release_version,
    )
    conn.execute(delete(ReleasedReport).where(*older))
    if replace:  # a row that did not parse: never kept beside the good one
        conn.execute(delete(ReleasedReport).where(*_where(key)))
    insert = upsert_insert(conn, ReleasedReport.__table__).values(
        programme_id=key.programme_id,
        name=key.name,
        release_version=key.release_version,
        k=key.k,
        extra=key.stored_extra(),
        body=body,
    )
    conn.execute(insert.on_conflict_do_nothing())


def clear() -> None:
    """Forget every report kept in this process (tests, or after restoring a database).

    Stored rows stay: their keys hold the release version, so they are only ever
    served for the release they were decided for.
    """
    with _lock:
        _reports.clear()
