"""One helper answers "am I on PostgreSQL?" and picks the upsert for the dialect."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from surveys.db.dialect import is_postgres, upsert_insert
from surveys.db.models import ProcessedEvent


def test_sqlite_sessions_connections_and_engines_are_not_postgres() -> None:
    engine = create_engine("sqlite://")
    with Session(engine) as session, engine.connect() as conn:
        assert not is_postgres(engine)
        assert not is_postgres(conn)
        assert not is_postgres(session)
        assert isinstance(upsert_insert(session, ProcessedEvent.__table__), sqlite.Insert)


def test_postgres_engines_get_the_postgres_upsert() -> None:
    engine = create_engine("postgresql+psycopg://nobody@localhost/none")  # never connects
    assert is_postgres(engine)
    assert isinstance(upsert_insert(engine, ProcessedEvent.__table__), postgresql.Insert)


def test_an_upsert_needs_a_table() -> None:
    with pytest.raises(TypeError):
        upsert_insert(create_engine("sqlite://"), select(ProcessedEvent).subquery())
