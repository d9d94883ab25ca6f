"""A D&I lead signs in, sees suppressed cells as suppressed, then the pulse trends chart."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from surveys.db.models import Programme
from surveys.db.session import Database
from tests.browser.conftest import axe_violations, screenshot
from tests.integration.test_dashboard_overview import PASSWORD, build_world
from tests.integration.test_dashboard_pulse import question_cell

pytestmark = pytest.mark.browser


@pytest.fixture
def laptop(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def test_a_lead_sees_the_overview_with_suppressed_cells_and_axe_finds_no_serious_problem(
    sqlite_db: Database, live_server: tuple[str, Callable[..., Any]], laptop: Any
) -> None:
    base_url, _ = live_server
    world = build_world(sqlite_db)
    with sqlite_db.transaction() as session:
        programme = session.get(Programme, world["programme"])
        assert programme is not None
        session.add(question_cell(programme, {"2": 1, "3": 2, "4": 6, "5": 2}))
    laptop.goto(f"{base_url}/dashboard/")
    laptop.get_by_label("E-mail address").fill("lead@example.com")
    laptop.get_by_label("Password").fill(PASSWORD)
    laptop.get_by_role("button", name="Sign in").click()
    laptop.wait_for_url(f"{base_url}/dashboard/")
    assert axe_violations(laptop) == []
    laptop.get_by_role("link", name=re.compile(r"^Programme \d+$")).click()
    laptop.wait_for_url(f"{base_url}/dashboard/programmes/*/headline")
    laptop.get_by_role("navigation", name="Programme pages").get_by_role(
        "link", name="Overview"
    ).click()
    laptop.wait_for_url(f"{base_url}/dashboard/programmes/*")

    enrolment = laptop.get_by_role("table", name="Enrolment by role")
    comparison = enrolment.get_by_role("row", name="Comparison group")
    assert comparison.get_by_role("cell").inner_text().startswith("suppressed (fewer than 5")
    assert enrolment.get_by_role("row", name="Mentors").get_by_role("cell").inner_text() == "12"
    screenshot(laptop, "dashboard-overview")
    assert axe_violations(laptop) == []

    laptop.get_by_role("link", name="Pulse trends").click()
    assert laptop.get_by_role("img", name=re.compile("I could speak openly")).is_visible()
    screenshot(laptop, "dashboard-pulse")
    assert axe_violations(laptop) == []


def test_a_pulse_month_with_nothing_shown_is_marked_suppressed_in_its_place(
    sqlite_db: Database, live_server: tuple[str, Callable[..., Any]], laptop: Any
) -> None:
    base_url, _ = live_server
    world = build_world(sqlite_db)
    with sqlite_db.transaction() as session:
        programme = session.get_one(Programme, world["programme"])
        session.add_all(
            [
                question_cell(programme, {"2": 1, "3": 2, "4": 6, "5": 2}),
                question_cell(programme, {"3": 5, "4": 6}, period="2026-04"),  # March: nothing
            ]
        )
    laptop.goto(f"{base_url}/dashboard/")
    laptop.get_by_label("E-mail address").fill("lead@example.com")
    laptop.get_by_label("Password").fill(PASSWORD)
    laptop.get_by_role("button", name="Sign in").click()
    laptop.wait_for_url(f"{base_url}/dashboard/")
    laptop.goto(f"{base_url}/dashboard/programmes/{world['programme']}/pulse")
    chart = laptop.get_by_role("img", name=re.compile("I could speak openly"))
    texts = chart.locator("text").all_text_contents()
    assert [t for t in texts if t.startswith("2026-")] == ["2026-02", "2026-03", "2026-04"]
    assert texts[texts.index("2026-03") + 1].startswith("suppressed")
    table = laptop.get_by_role("table", name=re.compile("I could speak openly")).first
    march = table.get_by_role("row", name=re.compile("^2026-03"))
    assert march.get_by_role("cell").first.inner_text().startswith("suppressed")
    assert any(re.fullmatch(r"\d+%", t) for t in texts)  # shares written on the bars
    screenshot(laptop, "dashboard-pulse-suppressed-month")
    assert axe_violations(laptop) == []
