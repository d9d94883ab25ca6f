"""The evaluation pages in headless Chromium, each checked with axe-core.

The demo's headline with every planned outcome (the recommend-score decline
among them, looking like the rest), the researcher's pages (headline,
comparison builder, plan, report), the print view of the report, and a new
programme's empty headline (what will appear; the response-rate box inside
its card). Screenshots: test-output/browser/evaluation-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from surveys.db.session import Database
from tests.browser.conftest import axe_violations, screenshot
from tests.integration.test_programme_report import PASSWORD, early_world
from tests.support.demo_world import DemoWorld

pytestmark = pytest.mark.browser


@pytest.fixture
def desktop(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Any, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/dashboard/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/dashboard/")


def test_a_researcher_reads_the_plan_the_headline_the_builder_and_the_report(
    demo_world: DemoWorld, demo_server: tuple[str, Callable[..., Any]], desktop: Any
) -> None:
    base_url, _ = demo_server
    email = "researcher@example.com"
    sign_in(desktop, base_url, email, demo_world.logins[email].password)
    header = desktop.locator("header.site-header")
    assert "Staff sign-in" not in header.inner_text()
    assert header.get_by_role("link", name="Change password").is_visible()

    # From the landing page to the headline: every planned outcome, good and bad alike.
    desktop.get_by_role("link", name="Reverse Mentoring Pilot", exact=True).click()
    desktop.wait_for_url(re.compile(r".*/headline$"))
    findings = desktop.locator("li.finding")
    assert findings.count() == 11
    fell = findings.filter(has_text="fell further").filter(has_text="recommend the firm")
    rose = findings.filter(has_text="rose more").filter(has_text="intend to be working")
    assert fell.count() == rose.count() == 1
    for prop in ("font-size", "font-weight", "color", "background-color", "border-top-width"):
        style = f"e => getComputedStyle(e).getPropertyValue('{prop}')"
        assert fell.evaluate(style) == rose.evaluate(style), prop
    assert fell.bounding_box()["height"] > 0 and fell.is_visible()
    screenshot(desktop, "evaluation-headline")
    assert axe_violations(desktop) == []

    # The comparison builder, read-only, with its exploratory label.
    nav = desktop.get_by_role("navigation", name="Programme pages")
    nav.get_by_role("link", name="Compare groups").click()
    desktop.wait_for_url(re.compile(r".*/compare$"))
    desktop.goto(desktop.url + "?outcome=climate:belonging&comparison=participants")
    assert desktop.locator("strong.plan-exploratory").first.is_visible()
    assert axe_violations(desktop) == []

    desktop.get_by_role("navigation", name="Programme pages").get_by_role(
        "link", name="Evaluation plan"
    ).click()
    desktop.wait_for_url(re.compile(r".*/plan$"))
    assert desktop.get_by_role("table", name=re.compile("^Planned comparisons")).is_visible()
    assert desktop.locator("form").filter(has=desktop.locator("select")).count() == 0
    assert axe_violations(desktop) == []

    # The report, on screen and as printed.
    desktop.get_by_role("navigation", name="Programme pages").get_by_role(
        "link", name="Report"
    ).click()
    desktop.wait_for_url(re.compile(r".*/report$"))
    image = desktop.locator("img.chart")
    assert image.evaluate("i => i.complete && i.naturalWidth > 100")
    assert axe_violations(desktop) == []
    desktop.emulate_media(media="print")
    assert not desktop.get_by_role("link", name="Download this report as PDF").is_visible()
    assert desktop.get_by_role("heading", name="5. Methods").is_visible()
    screenshot(desktop, "evaluation-report-print")
    assert axe_violations(desktop) == []


def test_a_new_programme_says_what_will_appear_without_a_wall_of_refusals(
    sqlite_db: Database, live_server: tuple[str, Callable[..., Any]], desktop: Any
) -> None:
    base_url, _ = live_server
    programme = early_world(sqlite_db)["programme"]
    sign_in(desktop, base_url, "lead@example.com", PASSWORD)
    desktop.goto(f"{base_url}/dashboard/programmes/{programme}/headline")
    early = desktop.get_by_role("region", name="No results have been released yet")
    assert early.is_visible()
    assert "next mixer pass" in early.inner_text() or "mixer runs every" in early.inner_text()
    assert "Refused" not in desktop.locator("main").inner_text()
    rates = desktop.locator("#rates")
    overflow = rates.evaluate("e => e.scrollWidth - e.clientWidth")
    assert overflow <= 0, f"the response-rate box overflows by {overflow} px"
    screenshot(desktop, "evaluation-early")
    assert axe_violations(desktop) == []
