"""A researcher requests an export, watches its progress and gets a link; axe-core on each page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from surveys.db.models import OutboxEvent
from surveys.db.session import Database
from surveys.reports.exported import dashboard_comparisons
from surveys.services import exports as svc
from surveys.services.accounts import create_account
from tests.browser.conftest import axe_violations, screenshot
from tests.support import factories as f
from tests.support.sealing import mix, seal_direct

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture
def laptop(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def test_a_researcher_requests_follows_and_links_an_export_without_serious_axe_problems(
    sqlite_db: Database, live_server: tuple[str, Callable[..., Any]], laptop: Any
) -> None:
    base_url, configure = live_server
    settings = configure()
    with sqlite_db.transaction() as session:
        programme = f.programme(session)
        for i in range(8):
            seal_direct(
                session, programme.firm_id, programme.id, {"spoke_openly": 4}, person=f"p{i}"
            )
        create_account(session, "r@example.com", PASSWORD, "researcher", [programme.firm])
    mix(sqlite_db, today=date(2026, 2, 3))  # eight people: stored in one batch
    laptop.goto(f"{base_url}/auth/login")
    laptop.get_by_label("E-mail address").fill("r@example.com")
    laptop.get_by_label("Password").fill(PASSWORD)
    laptop.get_by_role("button", name="Sign in").click()
    laptop.get_by_role("link", name="Research exports").click()
    laptop.wait_for_url(f"{base_url}/exports")
    assert axe_violations(laptop) == []
    laptop.get_by_role("group", name="Surveys").get_by_label(re.compile("mentor_pulse")).check()
    laptop.get_by_role("button", name="Request the export").click()
    laptop.wait_for_url(re.compile(r".*/exports/\d+$"))
    assert "0 of 8 rows processed" in laptop.get_by_role("status").inner_text()
    screenshot(laptop, "export-queued")
    assert axe_violations(laptop) == []

    export_id = int(laptop.url.rsplit("/", 1)[1])
    with sqlite_db.sessions() as session:
        event_id = session.scalars(select(OutboxEvent.id)).one()
    svc.run_export(
        sqlite_db,
        event_id,
        export_id,
        default_k=5,
        store=settings.bundles,
        expected=dashboard_comparisons,
    )
    laptop.reload()
    assert "8 of 8 rows processed" in laptop.get_by_role("status").inner_text()
    # One step for the requester: the bundle itself is a link on the status page.
    with laptop.expect_download() as download:
        laptop.get_by_role("link", name="Download the bundle").click()
    assert download.value.suggested_filename == f"flipside-export-{export_id}.zip"
    laptop.get_by_role("button", name="Create a single-use download link").click()
    assert laptop.get_by_role("link", name=re.compile("exports.download")).is_visible()
    screenshot(laptop, "export-link")
    assert axe_violations(laptop) == []
