"""A participant answers on a phone from the link in a real e-mail; the page passes axe-core."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from dramatiq import Worker
from sqlalchemy import func, select

from surveys.db.models import Response, SealedSubmission
from surveys.db.session import Database
from surveys.mail import plain_text
from surveys.services.meetings import record_meeting
from tests.browser.conftest import axe_violations, screenshot
from tests.support import factories as f
from tests.support.smtp import smtp_server
from workers import runtime
from workers.actors.relay import sweep
from workers.broker import broker

pytestmark = pytest.mark.browser


def deliver_invitations(db: Database, settings: Any) -> None:
    runtime.configure(settings, db)
    with db.transaction() as session:
        pairing = f.pairing(session)
        record_meeting(session, pairing.id, date.today() - timedelta(days=1), "participant")
    for _ in range(4):
        sweep(redeliver_after=timedelta(0))
        for queue in list(broker.queues):
            broker.join(queue, timeout=20_000)


def test_a_participant_answers_from_the_emailed_link_on_a_phone(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    phone: Any,
    stub_worker: Worker,
) -> None:
    base_url, configure = live_server
    with smtp_server() as (smtp_url, inbox):
        settings = configure(smtp_url=smtp_url)
        deliver_invitations(sqlite_db, settings)
        messages = inbox.wait_for(2)
    mentor_mail = messages[0]
    body = plain_text(mentor_mail)  # the plain-text part of the multipart message
    link = re.search(rf"{re.escape(base_url)}/s/[A-Za-z0-9_-]{{22}}", body)
    assert link, body

    phone.goto(link.group(0))
    assert phone.locator("h1").inner_text() == "Your reverse-mentoring session"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    screenshot(phone, "survey-phone")
    for fieldset in phone.locator("fieldset").all():
        legend = fieldset.locator("legend").inner_text()
        if "topics" in legend.lower():
            fieldset.get_by_label("Technology").check()
        elif "recommend" in legend.lower():
            fieldset.get_by_label("9", exact=True).check()
        else:
            options = fieldset.locator("input[type=radio]")
            if options.count():
                options.nth(3).check()
    phone.get_by_role("button", name=re.compile("Send my answers")).click()
    phone.wait_for_url(f"{base_url}/s/thanks")
    assert "Thank you" in phone.locator("h1").inner_text()
    screenshot(phone, "survey-thanks")
    with sqlite_db.sessions() as session:  # sealed until the mixer stores it among k people
        assert session.scalar(select(func.count()).select_from(SealedSubmission)) == 1
        assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_the_survey_page_and_its_error_state_have_no_serious_accessibility_violations(
    sqlite_db: Database, live_server: tuple[str, Callable[..., Any]], phone: Any
) -> None:
    base_url, _ = live_server
    with sqlite_db.transaction() as session:
        tokens = f.invited_pair(session)
    phone.goto(f"{base_url}/s/{tokens['mentee']}")
    promise = phone.locator("p.protection")
    assert promise.is_visible()
    assert " ".join(promise.inner_text().split()) == (
        "Your answers are anonymous. They are sealed when you submit them and stored only "
        "together with other people's answers, at least 5 people in each batch, with no date "
        "and nothing that links them to this link or to you. Results are only ever shown for "
        "groups of at least 5 people."
    )
    assert axe_violations(phone) == []
    phone.get_by_role("button", name=re.compile("Send my answers")).click()
    phone.wait_for_selector("#error-summary")
    screenshot(phone, "survey-errors")
    assert axe_violations(phone) == []
    # Keyboard only: the error summary links move focus to the question.
    phone.locator("#error-summary a").first.focus()
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id").startswith("q-")


def test_the_comment_counter_counts_down_and_the_box_stops_at_its_limit(
    sqlite_db: Database, live_server: tuple[str, Callable[..., Any]], phone: Any
) -> None:
    """With JavaScript the hint turns into a count of the characters left once typing
    starts (read out politely when it pauses); the box stops at its limit; axe is clean."""
    base_url, _ = live_server
    with sqlite_db.transaction() as session:
        tokens = f.invited_pair(session)
    phone.goto(f"{base_url}/s/{tokens['mentee']}")
    box = phone.locator("textarea")
    counter = phone.locator("#limit-comment")
    assert counter.inner_text() == "500 characters at most."
    box.fill("Thanks for the session.")
    assert counter.inner_text() == "477 characters left."
    phone.wait_for_function(
        "document.querySelector('[aria-live=polite]').textContent === '477 characters left.'"
    )
    box.fill("a" * 600)
    assert len(box.input_value()) <= 500  # fill() types past maxlength only in name
    box.press("End")
    box.type("bc")
    assert len(box.input_value()) <= 500
    assert axe_violations(phone) == []
    screenshot(phone, "survey-comment-counter")
