"""Fixtures shared by the whole suite: settings, databases on SQLite and PostgreSQL, the app.

Fixtures are factories where a test needs more than one of a thing. The database
fixtures migrate once per session and empty every table after each test, because
the code under test (relays, actors) opens transactions of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.pop("REDIS_URL", None)  # the in-process broker is the in-memory one in tests

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from surveys.db import migrate
from surveys.db.base import Base
from surveys.db.session import Database
from surveys.settings import Settings, load_settings
from tests.support.keys import KEYS

# The session is a configured deployment: subprocesses (CLI, workers) inherit the keys.
os.environ.update(KEYS)
from tests.support.services import POSTGRES_ADMIN_URL, need

ROOT = Path(__file__).resolve().parents[1]

#: Fixtures kept beside their helpers (private_redis_url, demo_world).
pytest_plugins = ["tests.support.redis_server", "tests.support.demo_world"]


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        base = load_settings(
            {
                **KEYS,
                "SECRET_KEY": "t" * 40,
                "FLIPSIDE_INSTANCE_PATH": str(tmp_path / "instance"),
            }
        )
        return replace(base, **overrides)

    return make


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    need("PostgreSQL", POSTGRES_ADMIN_URL, 5432)
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"flipside_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'flipside.sqlite3'}"


_migrated: dict[str, Database] = {}


def _migrated_db(url: str) -> Database:
    if url not in _migrated:
        migrate.upgrade(url)
        _migrated[url] = Database(url)
    return _migrated[url]


def _empty(db: Database) -> None:
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A migrated database, once on SQLite and once on PostgreSQL; emptied after each test."""
    url = request.getfixturevalue(f"{request.param}_url")
    database = _migrated_db(url)
    _empty(database)
    yield database
    _empty(database)


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Database]:
    database = _migrated_db(sqlite_url)
    _empty(database)
    yield database
    _empty(database)


@pytest.fixture
def pg_db(postgres_url: str) -> Iterator[Database]:
    database = _migrated_db(postgres_url)
    _empty(database)
    yield database
    _empty(database)


@pytest.fixture
def app(sqlite_db: Database, make_settings: Callable[..., Settings]) -> Iterator[Any]:
    from webapp import create_app

    settings = make_settings(database_url=sqlite_db.url)
    flask_app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)
    yield flask_app


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture(scope="session")
def stub_worker() -> Iterator[Any]:
    """One Dramatiq worker on the in-memory broker for the whole session."""
    from dramatiq import Worker

    from workers.broker import broker

    worker = Worker(broker, worker_timeout=50)
    worker.start()
    yield worker
    worker.stop()
