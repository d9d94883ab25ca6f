"""The mentor pulse answered by keyboard alone on a phone, in each shipped language; the
page passes axe-core in each, and the switcher changes language without script or cookie."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from surveys.db.models import SealedSubmission, SurveyInvitation
from surveys.db.session import Database
from surveys.definitions import catalogue
from surveys.intake.mixing import opener_for
from surveys.languages import LANGUAGES, translations
from surveys.services.tokens import hash_token
from tests.browser.conftest import axe_violations, screenshot
from tests.support import factories as f
from tests.support.sealing import keys_for_tests

pytestmark = pytest.mark.browser


def mentor_link(db: Database, language: str) -> str:
    """A mentor's pulse link; the HR file gives the mentor ``language``."""
    with db.transaction() as session:
        token = f.invited_pair(session)["mentor"]
        invitation = session.scalar(
            select(SurveyInvitation).where(SurveyInvitation.token_hash == hash_token(token))
        )
        assert invitation is not None
        invitation.person.language = language
        return token


def tab_to(page: Any, condition: str, limit: int = 80) -> None:
    """Press Tab until ``condition`` (JavaScript about ``e``, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return !!({condition}); }}"):
            return
    raise AssertionError(f"Tab never reached an element where {condition}")


def press(page: Any, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pulse_is_answered_by_keyboard_alone_in_each_language(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    phone: Any,
    language: str,
) -> None:
    base_url, _ = live_server
    token = mentor_link(sqlite_db, language)
    definition = catalogue().pulse_for("mentor").in_language(language)
    gettext = translations(language).gettext

    phone.goto(f"{base_url}/s/{token}")
    assert phone.locator("html").get_attribute("lang").startswith(language)
    assert phone.locator("h1").inner_text() == definition.title
    first = definition.questions[0].text  # numbered on the page (the one-screen layout)
    assert phone.locator("legend").first.inner_text().startswith(f"1. {first}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(phone) == []
    screenshot(phone, f"survey-{language}")

    # Likert items: Tab into the group, Space picks the first option, arrows move on (4th).
    for key in ("spoke_openly", "mentee_engaged", "good_use_of_time"):
        tab_to(phone, f"e.name === '{key}'")
        press(phone, "Space")
        press(phone, "ArrowRight", 3)
    tab_to(phone, "e.name === 'topics'")  # the first topic; the next one is technology
    press(phone, "Tab")
    press(phone, "Space")
    tab_to(phone, "e.name === 'recommend_programme'")
    press(phone, "Space")
    press(phone, "ArrowRight", 9)
    checked = phone.evaluate(
        "() => [...document.querySelectorAll('input:checked')].map(i => i.name + '=' + i.value)"
    )
    assert sorted(checked) == sorted(
        [
            "spoke_openly=4",
            "mentee_engaged=4",
            "good_use_of_time=4",
            "topics=technology",
            "recommend_programme=9",
        ]
    )
    tab_to(phone, "e.type === 'submit'")
    assert phone.evaluate("document.activeElement.textContent") == gettext("Send my answers")
    press(phone, "Enter")
    phone.wait_for_url(re.compile(rf"{re.escape(base_url)}/s/thanks"))
    assert phone.locator("h1").inner_text() == gettext("Thank you")
    assert phone.locator("html").get_attribute("lang").startswith(language)
    assert axe_violations(phone) == []

    with sqlite_db.sessions() as session:
        sealed = session.scalars(select(SealedSubmission)).all()
    assert len(sealed) == 1
    submission = opener_for(keys_for_tests()).open(sealed[0].sealed)
    answers = {(a.question_key, a.item, a.value) for a in submission.answers}
    assert answers == {
        ("spoke_openly", "", 4),
        ("mentee_engaged", "", 4),
        ("good_use_of_time", "", 4),
        ("topics", "technology", None),
        ("recommend_programme", "", 9),
    }


def test_the_switcher_changes_the_language_with_a_plain_link_and_no_cookie(
    sqlite_db: Database, live_server: tuple[str, Callable[..., Any]], phone: Any
) -> None:
    base_url, _ = live_server
    token = mentor_link(sqlite_db, "en")
    phone.goto(f"{base_url}/s/{token}")
    assert phone.locator("h1").inner_text() == "Your reverse-mentoring session"
    phone.get_by_role("navigation", name="Language").get_by_role("link", name="Deutsch").click()
    phone.wait_for_url(f"{base_url}/s/{token}?lang=de")
    assert phone.locator("h1").inner_text() == "Ihr Reverse-Mentoring-Gespräch"
    current = phone.get_by_role("navigation", name="Sprache").locator("[aria-current]")
    assert current.inner_text() == "Deutsch"
    assert phone.context.cookies() == []
    # The German page, sent back with a missing answer, stays German.
    phone.get_by_role("button", name="Antworten absenden").click()
    phone.wait_for_selector("#error-summary")
    assert "Bitte beantworten Sie diese Frage." in phone.locator("#error-summary").inner_text()
    assert axe_violations(phone) == []
