"""A D&I lead reads "is it working?" from the headline on a 1440x900 desktop screen.

On the demo data in headless Chromium: the programme list leads to the
headline; every planned outcome is on it, the first on the first screen; the navigation bar and
breadcrumbs are on every page; figures and sentences link to their detail
pages; axe-core finds no serious violation. Screenshot: test-output/browser/
demo-headline.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, screenshot
from tests.support.demo_world import DemoWorld

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1440, 900


@pytest.fixture
def desktop(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": WIDTH, "height": HEIGHT}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def current_in(page: Any, navigation: str) -> list[str]:
    """The labels of the links marked as the current page in one navigation landmark."""
    nav = page.get_by_role("navigation", name=navigation)
    return [link.inner_text() for link in nav.locator('a[aria-current="page"]').all()]


def test_a_lead_reads_the_headline_on_one_screen_and_follows_it_to_the_detail(
    demo_world: DemoWorld, demo_server: tuple[str, Callable[..., Any]], desktop: Any
) -> None:
    base_url, _ = demo_server
    desktop.goto(f"{base_url}/dashboard/")
    desktop.get_by_label("E-mail address").fill("lead@example.com")
    desktop.get_by_label("Password").fill(demo_world.logins["lead@example.com"].password)
    desktop.get_by_role("button", name="Sign in").click()
    desktop.wait_for_url(f"{base_url}/dashboard/")
    desktop.get_by_role("link", name="Reverse Mentoring Pilot", exact=True).click()
    desktop.wait_for_url(re.compile(r".*/dashboard/programmes/\d+/headline$"))
    headline_url = desktop.url

    assert desktop.get_by_role("heading", level=1).inner_text().endswith("is it working?")
    assert current_in(desktop, "Programme pages") == ["Headline"]
    assert current_in(desktop, "Breadcrumb") == ["Reverse Mentoring Pilot"]
    comparisons = desktop.get_by_role("region", name="What the evaluation plan's comparisons say")
    assert "Participants scored" in comparisons.inner_text()
    # the planted before/after effect, clear (its exact p moves with the demo's draw)
    assert re.search(r"\(p (?:= 0\.0[0-4]\d*|< 0\.001)\)", comparisons.inner_text())
    assert "fell further than the comparison group's" in comparisons.inner_text()
    climate = desktop.get_by_role("region", name=re.compile("^Climate survey"))
    belonging = climate.get_by_role("row", name=re.compile("^I feel that I belong"))
    assert re.fullmatch(r"\d+% \(\d+–\d+\)", belonging.get_by_role("cell").first.inner_text())
    enps = climate.get_by_role("row", name=re.compile("^eNPS"))
    assert re.match(r"[+-]\d+ \([+-]\d+ to [+-]\d+\)", enps.get_by_role("cell").first.inner_text())
    rates = desktop.get_by_role(
        "table", name=re.compile("Invitations answered out of invitations sent")
    )
    assert rates.get_by_role("row", name=re.compile("^All roles")).is_visible()

    # Every planned outcome is on the headline, so it runs below the fold; nothing goes
    # sideways, and the first planned finding starts on the first screen.
    box = desktop.evaluate(
        "() => { const r = document.querySelector('#finding-1').getBoundingClientRect();"
        " return {top: r.top + window.scrollY,"
        " width: document.documentElement.scrollWidth}; }"
    )
    assert box["top"] <= HEIGHT, f"the first finding starts at {box['top']:.0f} px"
    assert box["width"] <= WIDTH
    screenshot(desktop, "demo-headline")
    assert axe_violations(desktop) == []

    # A figure leads to its pulse chart, with the bar and breadcrumbs there too.
    desktop.get_by_role("link", name="Spoke openly").click()
    desktop.wait_for_url(re.compile(r".*/pulse#trend-1-heading$"))
    assert desktop.locator("#trend-1-heading").is_visible()
    assert current_in(desktop, "Programme pages") == ["Pulse trends"]
    assert current_in(desktop, "Breadcrumb") == ["Pulse trends"]
    desktop.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Reverse Mentoring Pilot"
    ).click()
    desktop.wait_for_url(headline_url, wait_until="domcontentloaded")

    # A sentence leads to the comparison that says the same, already run.
    sentence = desktop.locator("#finding-7 p.finding-sentence").inner_text()
    desktop.locator("#finding-7").get_by_role(
        "link", name=re.compile("^See the comparison")
    ).click()
    desktop.wait_for_url(re.compile(r".*/compare\?outcome=index(%3A|:)climate.*#results-heading$"))
    shown = desktop.locator("p.sentence").first.inner_text()
    assert shown.split(": ", 1)[1] in sentence  # after its "Planned comparison 7" label
    assert current_in(desktop, "Programme pages") == ["Compare groups"]
    assert axe_violations(desktop) == []
