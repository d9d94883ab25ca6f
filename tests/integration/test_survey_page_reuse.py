"""The survey page's first view is rendered once per survey version and reused:
every later view must be the very page a full render would give for its own link."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from surveys.db.session import Database
from tests.support import factories as f


@pytest.fixture
def app(sqlite_db: Database, make_settings: Callable[..., Any]) -> Any:
    from webapp import create_app

    settings = make_settings(database_url=sqlite_db.url, secret_key=f.SECRET)
    return create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)


def _per_link(page: str) -> str:
    page = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]*"', r'\1"', page)
    return re.sub(r'(name="context" value=")[^"]*"', r'\1"', page)


def test_a_reused_page_is_the_full_render_with_its_own_link_values(
    app: Any, sqlite_db: Database
) -> None:
    from surveys.definitions import catalogue
    from webapp.respond import page
    from webapp.respond.context import form_token

    with sqlite_db.transaction() as session:
        links = [f.invited_pair(session)["mentor"] for _ in range(3)]
    client: FlaskClient = app.test_client()
    views = [client.get(f"/s/{link}").get_data(as_text=True) for link in links]
    assert len(app.extensions["flipside.survey_pages"]) == 1  # rendered once, reused twice
    with app.test_request_context(f"/s/{links[2]}"):
        token = form_token(f.SECRET, links[2])
        fresh = page.full_render(
            catalogue().get("mentor_pulse", 1),
            k=app.config["FLIPSIDE"].min_group_size,
            context="CTX",
            form_token=token,
        )
    assert _per_link(views[2]) == _per_link(fresh)
    assert f'value="{token}"' in views[2] and token not in views[1]
    assert len({_per_link(v) for v in views}) == 1 and len(set(views)) == 3


def test_a_view_with_a_session_cookie_is_rendered_in_full(app: Any, sqlite_db: Database) -> None:
    with sqlite_db.transaction() as session:
        link = f.invited_pair(session)["mentor"]
    client: FlaskClient = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "anything")
    assert client.get(f"/s/{link}").status_code == 200
    assert "flipside.survey_pages" not in app.extensions


def test_opening_a_survey_link_reads_the_database_once(
    db: Database, make_settings: Callable[..., Any]
) -> None:
    """The participant's first view is the hot path: one statement (the invitation with
    everything the page needs, the firm's own k included), whatever the firm's k."""
    from sqlalchemy import event

    from webapp import create_app

    settings = make_settings(database_url=db.url, secret_key=f.SECRET)
    app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": db}, settings=settings)
    with db.transaction() as session:
        links = [
            f.invited_pair(session)["mentor"],
            f.invited_pair(session, firm_=f.firm(session, min_group_size=3))["mentor"],
        ]
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        client: FlaskClient = app.test_client()
        for link in links:
            statements.clear()
            assert client.get(f"/s/{link}").status_code == 200
            reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
            assert len(reads) == 1, reads
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
