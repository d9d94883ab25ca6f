"""Alembic environment: the URL comes from the caller's config, the metadata from surveys.db."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, pool

import surveys.db.models  # noqa: F401  (registers every table)
from surveys.db.base import Base
from surveys.db.session import make_engine
from surveys.db.types import UTCDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write project column types as their plain SQLAlchemy equivalents."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            _run_without_cascades(conn)
        else:
            _run(conn)
    engine.dispose()


def _run_without_cascades(conn: Connection) -> None:
    """SQLite: foreign keys off while migrating (Alembic's advice for batch mode).

    A batch operation recreates a table: it copies the rows, drops the old table and
    renames the copy. With foreign keys on, the drop deletes every row that refers to
    the table ON DELETE CASCADE (an account's firms and tokens, a response's answers).
    The pragma only takes effect outside a transaction, so it is set on the driver's
    connection before Alembic begins one; the keys are checked before the commit.
    """
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"migrating left rows that refer to nothing: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
