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
a row of an earlier release is never served as the current one; storing a newer
one deletes it, and a report of an older release is never stored over a newer
one. While the workers prepare a new release's reports, a page view may ask
(:data:`SERVE_PREVIOUS`) for the previous release's stored report instead of
computing: it is returned, noted in ``session.info`` (:data:`SERVED_PREVIOUS`) for
the page to say so, and not kept in the process's map.

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

from sqlalchemy import Connection, delete, select, text
from sqlalchemy.orm import Session

from surveys.db.dialect import is_postgres, upsert_insert
from surveys.db.models import Programme, ReleasedReport

T = TypeVar("T")

log = logging.getLogger(__name__)

#: Reports kept per process (each is small: per-month aggregates of one programme).
MAX_REPORTS = 256

#: First key of the advisory lock taken while a programme's report is written.
WRITE_LOCK_SPACE = 0x5EB0

#: ``session.info`` flag of the worker's precompute: store in this session (the caller
#: commits), and do not take a report from this process's map.
STORING = "flipside.reports.storing"

#: ``session.info`` flag of a page view: when the report of the current release is not
#: stored yet (the workers are preparing it), serve the latest stored report of an
#: earlier release of the same programme instead of computing it in the view.
SERVE_PREVIOUS = "flipside.reports.serve_previous"
#: ``session.info`` entry set when a view was served an earlier release's report: the
#: oldest release version served (the page says so and asks to be refreshed).
SERVED_PREVIOUS = "flipside.reports.served_previous"

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
    if body is None and not storing and session.info.get(SERVE_PREVIOUS):
        previous = _previous(session, key, codec)
        if previous is not None:
            return previous  # not kept in the map: it is not the current release's
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


def _previous(session: Session, key: ReportKey, codec: Codec[T]) -> T | None:
    """The latest stored report of an earlier release under the same key, noted in
    ``session.info`` (:data:`SERVED_PREVIOUS`); None when there is none that parses."""
    found = session.execute(
        select(ReleasedReport.release_version, ReleasedReport.body)
        .where(
            ReleasedReport.programme_id == key.programme_id,
            ReleasedReport.name == key.name,
            ReleasedReport.release_version < key.release_version,
            ReleasedReport.k == key.k,
            ReleasedReport.extra == key.stored_extra(),
        )
        .order_by(ReleasedReport.release_version.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    try:
        report = codec.from_dict(json.loads(found.body))
    except (ValueError, TypeError, RecursionError):
        return None
    served = session.info.get(SERVED_PREVIOUS)
    session.info[SERVED_PREVIOUS] = min(found.release_version, served or found.release_version)
    return report


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
    """Keep ``body`` unless a newer release's report is stored already (a late or
    redelivered message never stores an older release over a newer one)."""
    if conn.dialect.name == "postgresql":  # one writer per programme at a time
        conn.execute(
            text("SELECT pg_advisory_xact_lock(CAST(:space AS integer), CAST(:id AS integer))"),
            {"space": WRITE_LOCK_SPACE, "id": key.programme_id},
        )
    newer = conn.scalar(
        select(ReleasedReport.id)
        .where(
            ReleasedReport.programme_id == key.programme_id,
            ReleasedReport.name == key.name,
            ReleasedReport.release_version > key.release_version,
        )
        .limit(1)
    )
    if newer is not None:
        return
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
