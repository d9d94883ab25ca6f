"""While PostgreSQL cannot be reached, a participant's submission gets a 503 page that keeps
every answer on the form; once it is back, sending again stores exactly one submission
(issue 14). The outage is an app whose engine points at a closed port, beside a working
app on the same database and secret."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from surveys.db.models import SealedSubmission
from surveys.db.session import Database
from tests.support import factories as f
from webapp.respond.routes import UNAVAILABLE

ANSWERS = {
    "spoke_openly": "4",
    "mentee_engaged": "5",
    "good_use_of_time": "2",
    "topics": ["technology", "other"],
    "recommend_programme": "7",
    "comment": "Clear & useful <b>notes</b>",
}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once it is closed


@pytest.fixture
def apps(pg_db: Database, make_settings: Callable[..., Any]) -> tuple[Any, Any]:
    """(working app, the same app while its database is unreachable)."""
    from webapp import create_app

    settings = make_settings(database_url=pg_db.url, secret_key=f.SECRET)
    up = create_app({"TESTING": True, "FLIPSIDE_DATABASE": pg_db}, settings=settings)
    away = Database(f"postgresql+psycopg://flipside@127.0.0.1:{closed_port()}/flipside")
    down = create_app({"TESTING": True, "FLIPSIDE_DATABASE": away}, settings=settings)
    return up, down


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and value and 'type="hidden"' in tag:
            fields[name.group(1)] = value.group(1)
    return fields


def sealed(db: Database) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(SealedSubmission)) or 0)


def assert_answers_kept(html: str) -> None:
    assert UNAVAILABLE in html
    checked = set(re.findall(r"<input[^>]*checked[^>]*>", html))
    checked_values = {
        (re.search(r'name="([^"]+)"', t).group(1), re.search(r'value="([^"]*)"', t).group(1))  # type: ignore[union-attr]
        for t in checked
    }
    assert checked_values == {
        ("spoke_openly", "4"),
        ("mentee_engaged", "5"),
        ("good_use_of_time", "2"),
        ("topics", "technology"),
        ("topics", "other"),
        ("recommend_programme", "7"),
    }
    assert "Clear &amp; useful &lt;b&gt;notes&lt;/b&gt;</textarea>" in html


@pytest.mark.parametrize("with_context", [True, False], ids=["signed-context", "no-context"])
def test_an_outage_keeps_every_answer_and_the_retry_stores_exactly_one(
    apps: tuple[Any, Any], pg_db: Database, with_context: bool
) -> None:
    up, down = apps
    with pg_db.transaction() as session:
        token = f.invited_pair(session)["mentor"]
    page = up.test_client().get(f"/s/{token}")
    assert page.status_code == 200
    fields = hidden_fields(page.get_data(as_text=True))
    if not with_context:
        fields.pop("context", None)  # as a longitudinal survey's page: no signed context
    assert "csrf_token" in fields and "survey" in fields

    refused = down.test_client().post(f"/s/{token}", data={**fields, **ANSWERS})
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "60"
    html = refused.get_data(as_text=True)
    assert_answers_kept(html)
    assert sealed(pg_db) == 0

    # The participant sends the page they were shown again, once the database is back.
    again = hidden_fields(html)
    assert again["csrf_token"] == fields["csrf_token"]
    stored = up.test_client().post(f"/s/{token}", data={**again, **ANSWERS})
    assert stored.status_code == 303, stored.get_data(as_text=True)[:500]
    assert sealed(pg_db) == 1
    twice = up.test_client().post(f"/s/{token}", data={**again, **ANSWERS})
    assert twice.status_code != 303
    assert sealed(pg_db) == 1
