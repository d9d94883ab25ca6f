"""Fixtures shared by the integration tests that run the mail pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dramatiq import Worker

from surveys.db.session import Database
from tests.support import factories as f
from workers import runtime
from workers.broker import broker


@pytest.fixture
def pipeline(
    sqlite_db: Database, make_settings: Callable[..., Any], stub_worker: Worker
) -> Iterator[Callable[..., Any]]:
    """Configure the in-process worker runtime (SQLite, the stub broker) with overrides."""

    def configure(**overrides: Any) -> Any:
        settings = make_settings(
            database_url=sqlite_db.url,
            secret_key=f.SECRET,
            base_url="https://flipside.example.com",
            **overrides,
        )
        runtime.configure(settings, sqlite_db)
        return settings

    broker.flush_all()
    yield configure
    broker.flush_all()
