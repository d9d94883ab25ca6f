"""What differs between PostgreSQL and SQLite, asked in one place.

The core runs on both: PostgreSQL in production, SQLite for a laptop and the
fast tests. Code that needs the other dialect's SQL (row locks, ``ON CONFLICT``
upserts, date functions) asks :func:`is_postgres` rather than comparing
dialect names itself.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause, TableClause

Bind = Session | Connection | Engine


def is_postgres(bind: Bind) -> bool:
    """Whether ``bind`` (a session, a connection or an engine) talks to PostgreSQL."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return engine.dialect.name == "postgresql"


def upsert_insert(bind: Bind, table: FromClause) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``table`` that can take ``ON CONFLICT`` in ``bind``'s dialect.

    ``table`` is a model's ``__table__`` (typed as any FromClause by SQLAlchemy).
    """
    if not isinstance(table, TableClause):
        raise TypeError(f"an upsert needs a table, got {table!r}")
    return postgresql.insert(table) if is_postgres(bind) else sqlite.insert(table)
