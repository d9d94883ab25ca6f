"""One write transaction for a view, on a Connection: commit, then nudge the relay.

Services on the hot path (the survey submission) write on a bare Connection
and say on ``conn.info`` whether they wrote outbox rows. :func:`writing`
owns the rest: it uses the request's ORM session's connection when the view
already opened one (so the view's reads and the write share one transaction),
else a bare engine connection; it commits, and nudges the relay only when the
outbox was written and the commit succeeded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g
from sqlalchemy import Connection

from surveys import outbox
from surveys.services.responses import OUTBOX_WRITTEN
from webapp import database


@contextmanager
def writing() -> Iterator[Connection]:
    """Yield a Connection in a transaction; commit when the block ends without error."""
    if "db_session" in g:
        session = database.session()
        conn = session.connection()
        try:
            yield conn
        except BaseException:
            conn.info.pop(OUTBOX_WRITTEN, None)
            session.rollback()
            raise
        written = conn.info.pop(OUTBOX_WRITTEN, False)
        session.commit()
    else:
        with database.database().engine.connect() as conn:
            try:
                with conn.begin():
                    yield conn
            finally:
                written = conn.info.pop(OUTBOX_WRITTEN, False)
    if written:
        outbox.notify_committed()
