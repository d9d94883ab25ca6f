"""Fixtures of the attack suite and its closing summary (one line per attack)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from surveys.db.session import Database
from surveys.settings import Settings
from tests.privacy import summary
from tests.privacy.world import SECRET


@pytest.fixture
def web_for(make_settings: Callable[..., Settings]) -> Iterator[Callable[[Database], Any]]:
    """A Flask test client of the app on a given database (SQLite or PostgreSQL)."""
    from webapp import create_app

    def make(db: Database) -> Any:
        settings = make_settings(database_url=db.url, secret_key=SECRET)
        app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": db}, settings=settings)
        return app.test_client()

    yield make


def pytest_terminal_summary(terminalreporter: Any) -> None:
    found = summary.lines()
    if found:
        terminalreporter.section("privacy attacks")
        for line in found:
            terminalreporter.write_line(line)
