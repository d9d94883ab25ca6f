"""An admin connects a real Radicale calendar in Chromium; a mentoring event between a
registered pair that has ended is found, and the pulse goes out to both; one that has
not ended yet is left alone. The calendars page is axe clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from surveys.db.models import Meeting
from surveys.db.session import Database
from surveys.services.accounts import create_account
from tests.browser.conftest import axe_violations, screenshot
from tests.integration.test_admin_pages import PASSWORD
from tests.support import factories as f
from tests.support.radicale_server import PASSWORD as RADICALE_PASSWORD
from tests.support.radicale_server import USER, Radicale, vevent
from workers import runtime
from workers.broker import broker

pytestmark = pytest.mark.browser


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    server = Radicale(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def laptop(chromium: Any) -> Iterator[Any]:
    """CSP bypassed only so the axe script can be injected."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def test_an_admin_connects_radicale_and_the_pulse_follows_an_ended_meeting(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    laptop: Any,
    radicale: Radicale,
    stub_worker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.integration.test_mail_flow import drain

    base_url, configure = live_server
    settings = configure()
    runtime.configure(settings, sqlite_db)
    broker.flush_all()
    monkeypatch.setenv("FLIPSIDE_CAL_RADICALE", RADICALE_PASSWORD)
    url, calendar = radicale.make_calendar("mentoring")
    with sqlite_db.transaction() as session:
        firm = f.firm(session, name="Harcourt Vale")
        programme = f.programme(
            session, firm, starts_on=datetime.now(UTC).date() - timedelta(days=30)
        )
        pairing = f.pairing(session, programme)
        people = [(pairing.mentor.email, "ACCEPTED"), (pairing.mentee.email, "ACCEPTED")]
        create_account(session, "admin@example.com", PASSWORD, "admin", [])
        firm_id, mentor, mentee = firm.id, pairing.mentor.email, pairing.mentee.email
    now = datetime.now(UTC)
    ended, later = now - timedelta(hours=3), now + timedelta(hours=2)
    fmt = "%Y%m%dT%H%M%S"
    for uid, start in (("ended@firm", ended), ("later@firm", later)):
        calendar.save_event(  # type: ignore[attr-defined]
            vevent(uid, start.strftime(fmt), (start + timedelta(hours=1)).strftime(fmt), people,
                   tz="UTC", extra="SUMMARY:Mentoring (private)")
        )  # fmt: skip

    laptop.goto(f"{base_url}/auth/login")
    laptop.get_by_label("E-mail address").fill("admin@example.com")
    laptop.get_by_label("Password").fill(PASSWORD)
    laptop.get_by_role("button", name="Sign in").click()
    laptop.goto(f"{base_url}/admin/firms/{firm_id}")
    laptop.get_by_role("link", name="connected calendars and their health").click()
    laptop.get_by_label("Kind").select_option("caldav")
    laptop.get_by_label("Name", exact=True).fill("Mentoring calendar")
    laptop.get_by_label("Calendar URL").fill(url)
    laptop.get_by_label("User name").fill(USER)
    laptop.get_by_label("Password from environment variable").fill("FLIPSIDE_CAL_RADICALE")
    laptop.get_by_role("button", name="Connect").click()
    assert "Calendar connected" in laptop.get_by_role("status").first.inner_text()
    assert axe_violations(laptop) == []

    laptop.get_by_role("button", name="Dry run").click()
    dry = laptop.get_by_role("region", name="Dry run").inner_text()
    assert "nothing was written" in dry
    assert "recorded" in dry and "pending (not ended)" in dry
    with sqlite_db.sessions() as session:
        assert session.scalars(select(Meeting)).all() == []
    assert axe_violations(laptop) == []
    screenshot(laptop, "calendars-dry-run")

    laptop.get_by_role("button", name="Read now").click()
    assert "1 meeting(s) recorded" in laptop.get_by_role("status").first.inner_text()
    assert "working" in laptop.locator("table").last.inner_text()
    with sqlite_db.sessions() as session:
        assert [(m.held_on, m.source) for m in session.scalars(select(Meeting))] == [
            (ended.date(), "caldav")
        ]
    drain()  # the relay and the invitation workers: the pulse goes out to both
    mails = [message_from_bytes(p.read_bytes()) for p in Path(settings.mail_dir).glob("*.eml")]
    assert sorted(m["To"] for m in mails) == sorted([mentor, mentee])
    assert all("private" not in str(m) for m in mails)
