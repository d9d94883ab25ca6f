"""The Alembic migrations and the models describe the same schema, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from surveys.db import migrate
from surveys.db.base import Base
from surveys.db.session import Database


def test_autogenerate_finds_no_difference_between_models_and_migrations(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(db: Database) -> None:
    migrate.downgrade(db.url, "base")
    try:
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    finally:
        migrate.upgrade(db.url)
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
