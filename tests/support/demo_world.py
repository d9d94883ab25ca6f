"""The full demo (three firms, planted effects) with released aggregates, built once per run.

Page and browser tests of the comparison builder read it the way the dashboard
does; it is never written to, so one copy serves every test that asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from surveys.aggregates.checks import rebuild
from surveys.db import migrate
from surveys.db.session import Database
from surveys.services.demo import DemoLogin, load_demo

DEMO_TODAY = date(2026, 11, 2)
DEMO_SECRET = "demo-test-secret-" + "x" * 30


@dataclass(frozen=True)
class DemoWorld:
    db: Database
    logins: dict[str, DemoLogin]


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorld]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo-world') / 'demo.sqlite3'}"
    migrate.upgrade(url)
    db = Database(url)
    with db.transaction() as session:
        logins = load_demo(session, DEMO_SECRET, seed=7, today=DEMO_TODAY)
    with db.transaction() as session:
        rebuild(session, default_k=5)
    yield DemoWorld(db, {login.email: login for login in logins})
    db.dispose()
