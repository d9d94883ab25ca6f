"""Engines and sessions, independent of any web framework.

Services receive a Session, flush, and leave committing to the caller (a
request, an actor, a CLI command) so that one use case is one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from surveys.db.dialect import is_postgres


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; take it over (SQLAlchemy docs,
    # "Serializable isolation / Savepoints / Transactional DDL").
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front: concurrent writers queue on busy_timeout
    # instead of failing when a read snapshot turns out to be stale.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the same behaviour on SQLite (foreign keys, WAL) and PostgreSQL.

    On PostgreSQL, pooled connections are pinged before use only after sitting idle
    (:func:`ping_when_idle`); pass ``pool_pre_ping`` to choose SQLAlchemy's own."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10}, **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if kwargs.get("pool_pre_ping") is None:
        kwargs.pop("pool_pre_ping", None)
        engine = create_engine(url, **kwargs)
        ping_when_idle(engine, IDLE_PING_SECONDS)
        return engine
    return create_engine(url, **kwargs)


#: A pooled connection unused for longer than this is pinged before it is handed out.
IDLE_PING_SECONDS = 1.0


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection on checkout only if it sat unused for ``idle_seconds``.

    ``pool_pre_ping`` pings on every checkout: one extra round trip per request on
    the busiest pages, spent on connections used a few milliseconds earlier. The
    connections that can have gone stale (a database restart, an idle timeout in
    a firewall or in PostgreSQL) are the ones that sat in the pool; those are
    pinged with the dialect's own ping, and one that fails is replaced before use
    (the pool retries checkout on DisconnectionError). A connection that breaks
    while in use is still detected by SQLAlchemy, which then invalidates the pool.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["flipside.checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("flipside.checked_in_at")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or used moments ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises for a dead connection
            raise DisconnectionError("pooled connection failed its ping") from exc
        if not alive:
            raise DisconnectionError("pooled connection failed its ping")


class Database:
    """An engine and its session factories: ``sessions`` for units of work, ``reads`` for
    a request that only reads (autocommit on PostgreSQL; it must write nothing)."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # On PostgreSQL, each statement of a reads() session is its own transaction: no
        # BEGIN and ROLLBACK round trips around a page view's one read. SQLite keeps
        # the ordinary session (its BEGIN is local, and "begin" takes the write lock).
        reads_bind = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.is_postgres
            else self.engine
        )
        self.reads = sessionmaker(reads_bind, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return is_postgres(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any exception."""
        with self.sessions() as session, session.begin():
            yield session

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
