"""Issue 7's flow in headless Chromium: a D&I lead builds a comparison on the demo data.

Overview, pulse trends, the comparison builder and the retention page are each
screenshotted into test-output/browser/ and checked with axe-core.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, screenshot
from tests.support.demo_world import DemoWorld

pytestmark = pytest.mark.browser


@pytest.fixture
def laptop(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True, accept_downloads=True
    )
    page = context.new_page()
    yield page
    context.close()


def test_a_lead_builds_a_participants_vs_comparison_comparison_and_downloads_its_csv(
    demo_world: DemoWorld, demo_server: tuple[str, Callable[..., Any]], laptop: Any
) -> None:
    base_url, _ = demo_server
    laptop.goto(f"{base_url}/dashboard/")
    laptop.get_by_label("E-mail address").fill("lead@example.com")
    laptop.get_by_label("Password").fill(demo_world.logins["lead@example.com"].password)
    laptop.get_by_role("button", name="Sign in").click()
    laptop.wait_for_url(f"{base_url}/dashboard/")
    laptop.get_by_role("link", name="Reverse Mentoring Pilot", exact=True).click()
    laptop.wait_for_url(re.compile(r".*/dashboard/programmes/\d+/headline$"))
    laptop.get_by_role("link", name="Overview", exact=True).click()
    laptop.wait_for_url(re.compile(r".*/dashboard/programmes/\d+$"))
    assert laptop.get_by_role("img", name=re.compile("Meetings per month")).is_visible()
    screenshot(laptop, "demo-overview")
    assert axe_violations(laptop) == []
    overview_url = laptop.url

    laptop.get_by_role("link", name="Pulse trends").click()
    assert laptop.get_by_role("img", name=re.compile("I could speak openly")).is_visible()
    screenshot(laptop, "demo-pulse")
    assert axe_violations(laptop) == []

    laptop.goto(overview_url)
    laptop.get_by_role("link", name="Compare groups").click()
    laptop.get_by_label("Climate: I intend to be working here in two years' time.").check()
    laptop.get_by_label("Participants vs comparison group", exact=True).check()
    laptop.get_by_role("button", name="Compare").click()
    laptop.wait_for_url(re.compile(r".*/compare\?.*outcome=climate%3Aintend_to_stay.*"))
    chart = laptop.get_by_role("img", name=re.compile("mean per group"))
    assert chart.is_visible()
    sentence = laptop.locator("p.sentence").first.inner_text()
    # Intend to stay, participants vs comparison group, is not in the demo's (default) plan.
    assert sentence.startswith("Exploratory: Participants scored")
    assert "comparison group" in sentence
    assert laptop.get_by_role("table", name="Statistics").is_visible()
    screenshot(laptop, "demo-compare")
    assert axe_violations(laptop) == []

    with laptop.expect_download() as info:
        laptop.get_by_role("link", name=re.compile("CSV data of .*mean per group")).click()
    saved = Path(info.value.path())
    rows = list(csv.reader(saved.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:3] == ["Outcome", "Group", "Mean"]
    assert {r[1] for r in rows[1:]} == {"participants", "the comparison group"}
    shown = laptop.get_by_role("table", name=re.compile("mean per group")).inner_text()
    assert all(r[2] in shown for r in rows[1:])

    # The other comparisons' pages (DiD, Kaplan-Meier in the builder) pass axe too.
    compare_url = laptop.url.split("?")[0]
    for query in (
        "outcome=climate:intend_to_stay&outcome=climate:belonging&comparison=did",
        "outcome=hr:retention&outcome=climate:intend_to_stay&comparison=participants",
    ):
        laptop.goto(f"{compare_url}?{query}")
        assert laptop.locator("p.sentence").count() == 2
        assert axe_violations(laptop) == []
    laptop.goto(overview_url)

    # Followed for 40 months: nobody enrolled that long ago, so the share is suppressed.
    laptop.get_by_role("link", name="Retention and promotion").click()
    laptop.get_by_label("Share within how many months").fill("40")
    laptop.get_by_role("button", name="Show").click()
    table = laptop.get_by_role("table", name=re.compile("Log-rank test")).first
    cell = table.get_by_role("row", name=re.compile("^participants")).get_by_role("cell").last
    assert cell.inner_text().startswith("suppressed")
    assert laptop.get_by_role("img", name=re.compile("Still at the firm")).is_visible()
    screenshot(laptop, "demo-retention")
    assert axe_violations(laptop) == []


def pick_round(page: Any, select_id: str, label: str) -> None:
    """Choose the round whose option starts with ``label`` ("baseline (opened ...)")."""
    select = page.locator(f"select#{select_id}")
    value = select.locator("option", has_text=f"{label} (opened").get_attribute("value")
    select.select_option(value)


def test_the_builder_keeps_a_refused_form_refuses_reversed_rounds_and_shows_results_first(
    demo_world: DemoWorld, demo_server: tuple[str, Callable[..., Any]], laptop: Any
) -> None:
    base_url, _ = demo_server
    laptop.goto(f"{base_url}/dashboard/")
    laptop.get_by_label("E-mail address").fill("lead@example.com")
    laptop.get_by_label("Password").fill(demo_world.logins["lead@example.com"].password)
    laptop.get_by_role("button", name="Sign in").click()
    laptop.wait_for_url(f"{base_url}/dashboard/")
    laptop.get_by_role("link", name="Reverse Mentoring Pilot", exact=True).click()
    # The programme list leads to the headline; the overview is one step on, from the bar.
    laptop.wait_for_url(re.compile(r".*/dashboard/programmes/\d+/headline$"))
    laptop.get_by_role("link", name="Overview", exact=True).click()
    laptop.wait_for_url(re.compile(r".*/dashboard/programmes/\d+$"))

    # Meetings per month: the axis reads in date order.
    meetings = laptop.get_by_role("img", name=re.compile("Meetings per month"))
    months = [
        t for t in meetings.locator("text").all_text_contents() if re.fullmatch(r"\d{4}-\d\d", t)
    ]
    assert len(months) > 3 and months == sorted(months)

    laptop.get_by_role("link", name="Compare groups").click()
    # An outcome the comparison cannot take: the error is on the form, which keeps its values.
    laptop.get_by_label(
        "Session pulse: recommend programme (0-10, asked of mentors and mentees)"
    ).check()
    laptop.get_by_label("Participants vs comparison group", exact=True).check()
    laptop.get_by_role("button", name="Compare").click()
    alert = laptop.get_by_role("alert")
    assert "cannot be compared as 'Participants vs comparison group'" in alert.inner_text()
    assert laptop.get_by_label(
        "Session pulse: recommend programme (0-10, asked of mentors and mentees)"
    ).is_checked()
    screenshot(laptop, "builder-refused-pair")
    assert axe_violations(laptop) == []

    # Before and after the wrong way round: refused, with the rounds kept as chosen.
    laptop.get_by_label(
        "Session pulse: recommend programme (0-10, asked of mentors and mentees)"
    ).uncheck()
    laptop.get_by_label("Climate: I intend to be working here in two years' time.").check()
    laptop.get_by_label("Before vs after: difference-in-differences", exact=False).check()
    pick_round(laptop, "baseline", "follow-up")
    pick_round(laptop, "followup", "baseline")
    laptop.get_by_role("button", name="Compare").click()
    assert "choose the earlier round as before" in laptop.get_by_role("alert").inner_text()
    assert laptop.locator("p.sentence").count() == 0
    screenshot(laptop, "builder-reversed-rounds")
    assert axe_violations(laptop) == []

    pick_round(laptop, "baseline", "baseline")
    pick_round(laptop, "followup", "follow-up")
    laptop.get_by_role("button", name="Compare").click()
    sentence = laptop.locator("p.sentence").first.inner_text()
    assert sentence.startswith(  # before/after on each climate item is in the default plan
        "Planned comparison 5: Difference-in-differences from round 'baseline' to round 'follow-up'"
    )
    assert "on a 1–5 scale" in sentence
    results = laptop.get_by_role("heading", name=re.compile("^Results:")).bounding_box()
    form = laptop.locator("form.builder").bounding_box()
    assert results["y"] < form["y"] and results["y"] < 900  # the answer is on the first screen
    screenshot(laptop, "builder-did-results")
    assert axe_violations(laptop) == []
