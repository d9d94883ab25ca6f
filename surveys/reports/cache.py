"""Reports derived from released snapshots, kept until the next release.

A dashboard report (the pulse trends, the responses behind the overview's
response rates) is a pure function of a programme's released aggregate cells,
its pooled comments released with them, the firm's k and which surveys run in
rounds. Those change only when a batch is released, the cells are rebuilt or a
round is opened, and each of those moves the programme's ``release_version``
in the same transaction (surveys/aggregates/release.py). So a report is kept in
the process under (report, programme, release version, k) and computed again
only when one of them moves: deciding disclosure over tens of thousands of
released cells then happens once per release, not once per page view.

Only derived, already-disclosed reports are kept (never raw cells or live
counts), in a small least-recently-used map per process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from surveys.db.models import Programme

T = TypeVar("T")

#: Reports kept per process (each is small: per-month aggregates of one programme).
MAX_REPORTS = 256

_reports: OrderedDict[Hashable, object] = OrderedDict()
_lock = threading.Lock()


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """The report under ``key``, computed by ``compute`` if it is not kept yet.

    Build ``key`` with :func:`key_for`. Two threads missing together both
    compute; the results are equal.
    """
    with _lock:
        if key in _reports:
            _reports.move_to_end(key)
            return _reports[key]  # type: ignore[return-value]
    report = compute()
    with _lock:
        _reports[key] = report
        _reports.move_to_end(key)
        while len(_reports) > MAX_REPORTS:
            _reports.popitem(last=False)
    return report


def key_for(report: str, programme: Programme, k: int, *extra: Hashable) -> Hashable:
    """The key of one report of ``programme`` as it stands now.

    The creation time is part of it because a deleted programme's id can be
    given again (SQLite reuses the highest rowid), starting at version 0 too.
    """
    return (
        report,
        programme.id,
        programme.firm_id,
        programme.created_at,
        programme.release_version,
        k,
        *extra,
    )


def clear() -> None:
    """Forget every kept report (tests, or after restoring a database under a running app)."""
    with _lock:
        _reports.clear()
