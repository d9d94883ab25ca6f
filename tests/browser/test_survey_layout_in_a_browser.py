"""The pulse on a 360x740 phone and a 1280-wide screen: it fits in two phone screens in
every shipped language, scales sit on one row, it can be answered by keyboard alone,
and after a failed submit the focus is on the error summary (no JavaScript on the page)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from surveys.db.session import Database
from surveys.languages import LANGUAGES, translations
from tests.browser.conftest import axe_violations, screenshot
from tests.support import factories as f

pytestmark = pytest.mark.browser

PHONE_SCREEN = 740
LIKERT = {
    "mentor": ("spoke_openly", "mentee_engaged", "good_use_of_time"),
    "mentee": ("gained_insight", "will_act", "open_and_honest"),
}


@pytest.fixture
def desktop(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def links(sqlite_db: Database) -> dict[str, str]:
    with sqlite_db.transaction() as session:
        return f.invited_pair(session)


def tops(page: Any, selector: str) -> list[int]:
    """The rounded top edge of every element matching ``selector``."""
    return [round(box["y"]) for box in _boxes(page, selector)]


def _boxes(page: Any, selector: str) -> list[dict[str, float]]:
    return [el.bounding_box() for el in page.locator(selector).all()]


def _group_names(page: Any) -> list[str]:
    """The accessible names Chromium gives the page's fieldsets (what a screen reader says)."""
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")
    return [
        " ".join(node["name"]["value"].split())
        for node in tree["nodes"]
        if node.get("role", {}).get("value") == "group" and node.get("name", {}).get("value")
    ]


_LABELS_OVERFLOWING = """() => Array.from(document.querySelectorAll('.choice label'))
  .filter(label => label.scrollWidth > label.clientWidth + 1
    || label.getBoundingClientRect().right > label.parentElement.getBoundingClientRect().right + 1)
  .map(label => label.innerText)"""


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ["mentor", "mentee"])
def test_the_pulse_fits_in_two_phone_screens_with_the_0_to_10_scale_on_one_row(
    live_server: tuple[str, Callable[..., Any]],
    phone: Any,
    links: dict[str, str],
    role: str,
    language: str,
) -> None:
    base_url, _ = live_server
    phone.goto(f"{base_url}/s/{links[role]}?lang={language}")
    assert phone.locator("html").get_attribute("lang").startswith(language)
    screenshot(phone, f"survey-layout-phone-{role}-{language}")
    height = phone.evaluate("document.documentElement.scrollHeight")
    assert height <= 2 * PHONE_SCREEN, f"{language}: {height} px is more than two 740-px screens"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    legends = [" ".join(t.split()) for t in phone.locator("legend").all_inner_texts()]
    scale = "input[name=recommend_programme]"
    assert phone.locator(scale).count() == 11
    assert len(set(tops(phone, scale))) == 1, tops(phone, scale)
    assert len(set(tops(phone, "label[for^=q-recommend_programme-]"))) == 1
    # Every Likert option is labelled on the phone too, all five in view.
    for key in LIKERT[role]:
        for box in _boxes(phone, f"label[for^=q-{key}-]"):
            assert box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= 360
    # No option's words run out of its box (a long word breaks, at a hyphen where marked).
    assert phone.evaluate(_LABELS_OVERFLOWING) == []
    # A progress hint: how many questions the page has; they are numbered.
    hint = translations(language).gettext("%(n)s questions and a comment box, all on this page.")
    assert hint % {"n": 5} in phone.locator("main").inner_text()
    assert [name.split(" ", 1)[0] for name in legends] == ["1.", "2.", "3.", "4.", "5."]
    assert _group_names(phone) == legends  # a screen reader hears the numbers too


def test_likert_options_share_one_row_on_a_wide_screen(
    live_server: tuple[str, Callable[..., Any]], desktop: Any, links: dict[str, str]
) -> None:
    base_url, _ = live_server
    desktop.goto(f"{base_url}/s/{links['mentee']}")
    screenshot(desktop, "survey-layout-desktop")
    for key in LIKERT["mentee"]:
        assert len(set(tops(desktop, f"input[name={key}]"))) == 1, key
        labels = desktop.locator(f"label[for^=q-{key}-]")
        assert labels.count() == 5 and all(label.is_visible() for label in labels.all())
        assert len(set(tops(desktop, f"label[for^=q-{key}-]"))) == 1, key
    scale = "input[name=recommend_programme]"
    assert len(set(tops(desktop, scale))) == 1
    assert axe_violations(desktop) == []


def _answer_by_keyboard(page: Any, skip: str | None = None) -> None:
    """Tab through the form answering each group with the keys a keyboard user has:
    arrows choose a radio, space ticks a box, typing fills the comment; Enter submits."""
    seen: set[str] = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return {tag: e.tagName, type: e.type || '', name: e.name || '',"
            " text: e.innerText || ''}; }"
        )
        name = focused["name"]
        if focused["tag"] == "BUTTON":
            page.keyboard.press("Enter")
            return
        if name == skip or not name:
            continue
        if focused["type"] == "radio" and name not in seen:
            seen.add(name)
            checked = page.evaluate("document.activeElement.checked")
            if not checked:  # the first arrow press moves on and chooses
                page.keyboard.press("ArrowRight")
            for _ in range(2):
                page.keyboard.press("ArrowRight")
        elif focused["type"] == "checkbox" and name not in seen:
            seen.add(name)
            page.keyboard.press("Space")
        elif focused["tag"] == "TEXTAREA" and name not in seen:
            seen.add(name)
            page.keyboard.type("Good session.")
    raise AssertionError("never reached the submit button by Tab")


def test_answered_by_keyboard_alone_with_focus_on_the_error_summary_after_a_failed_submit(
    live_server: tuple[str, Callable[..., Any]], phone: Any, links: dict[str, str]
) -> None:
    base_url, _ = live_server
    phone.goto(f"{base_url}/s/{links['mentor']}")
    _answer_by_keyboard(phone, skip="good_use_of_time")
    phone.wait_for_selector("#error-summary")
    # Focus is on the summary itself, so a screen reader reads it first (no script does this).
    assert phone.evaluate("document.activeElement.id") == "error-summary"
    # The one script on the page is the comment box's counter, which moves no focus.
    scripts = "Array.from(document.scripts).map(s => new URL(s.src).pathname)"
    assert phone.evaluate(scripts) == ["/static/counter.js"]
    summary = " ".join(phone.locator("#error-summary").inner_text().split())
    assert "This session was a good use of my time. Please answer this question." in summary
    assert ".:" not in summary
    screenshot(phone, "survey-layout-error-focused")
    assert axe_violations(phone) == []
    # The summary's link takes the keyboard to the question, where an arrow answers it.
    phone.keyboard.press("Tab")
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "q-good_use_of_time"
    phone.keyboard.press("Tab")
    phone.keyboard.press("ArrowRight")
    assert phone.locator("input[name=good_use_of_time]:checked").count() == 1
    phone.locator("button[type=submit]").focus()
    phone.keyboard.press("Enter")
    phone.wait_for_url(re.compile(r"/s/thanks(#.*)?$"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_used_link_ends_on_a_participant_page_that_says_what_next(
    live_server: tuple[str, Callable[..., Any]],
    phone: Any,
    sqlite_db: Database,
    language: str,
) -> None:
    base_url, _ = live_server
    gettext = translations(language).gettext
    with sqlite_db.transaction() as session:
        firm = f.firm(session, reply_to="inclusion@harcourt.example")
        links = f.invited_pair(session, firm_=firm)
    phone.goto(f"{base_url}/s/{links['mentee']}/opt-out")
    phone.get_by_role("button", name=re.compile("Stop these e-mails")).click()
    phone.set_extra_http_headers({"Accept-Language": language})
    phone.goto(f"{base_url}/s/{links['mentee']}")
    assert phone.locator("html").get_attribute("lang").startswith(language)
    assert phone.locator("h1").inner_text() == gettext("This link no longer works")
    text = " ".join(phone.locator("main").inner_text().split())
    assert "inclusion@harcourt.example" in text
    assert phone.locator("text=Staff sign-in").count() == 0
    way_back = phone.get_by_role("link", name=gettext("change which e-mails you get"))
    assert way_back.get_attribute("href") == f"/s/{links['mentee']}/opt-out"
    screenshot(phone, f"survey-link-ended-{language}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(phone) == []


def test_a_tap_anywhere_in_an_options_box_chooses_it(
    live_server: tuple[str, Callable[..., Any]], phone: Any, links: dict[str, str]
) -> None:
    base_url, _ = live_server
    phone.goto(f"{base_url}/s/{links['mentor']}")
    box = phone.locator("#q-spoke_openly-2").locator("xpath=..").bounding_box()
    radio = phone.locator("#q-spoke_openly-2").bounding_box()
    label = phone.locator("label[for=q-spoke_openly-2]").bounding_box()
    assert box and radio and label
    # Below the words, inside the box's border: neither the radio nor its label's text.
    corner_y = box["y"] + box["height"] - 2
    assert corner_y > label["y"] + label["height"] or box["x"] + 2 < label["x"]
    phone.mouse.click(box["x"] + 3, box["y"] + box["height"] - 2)
    assert phone.locator("#q-spoke_openly-2").is_checked()
