"""The invitation's HTML part in a real Chromium on a 360-px phone: no sideways scrolling."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from surveys.mail import InvitationMail, invitation_message, sender_for, survey_links
from tests.browser.conftest import screenshot

BASE = "https://surveys.flipside.example"


def html_of(**overrides: Any) -> str:
    values: dict[str, Any] = {
        "to": "ada@harcourt.example",
        "firm": "Harcourt & Vale",
        "programme": "reverse mentoring",
        "survey_title": "Your reverse-mentoring session",
        "kind": "pulse",
        "intro": "A few quick questions about the session you just had. It takes under a minute.",
        "expires_at": datetime(2026, 3, 26, tzinfo=UTC),
        "k": 5,
        # A long link (the longest a token and a we-met signature make) must wrap, not scroll.
        "links": survey_links(BASE, "A" * 22, "123456.654321." + "x" * 43),
        "session_on": date(2026, 3, 12),
        **overrides,
    }
    sender = sender_for(BASE, "flipside@deploy.example", None, "dandi@harcourt.example")
    message = invitation_message(InvitationMail(**values), sender)
    part = message.get_body(preferencelist=("html",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


@pytest.mark.parametrize("reminder", [False, True], ids=["invitation", "reminder"])
def test_the_html_part_fits_a_360_px_phone(phone: Any, reminder: bool) -> None:
    phone.set_content(html_of(reminder=reminder))
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways ({width} px)"
    button = phone.get_by_role("link", name="Answer the survey")
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert box["height"] >= 44  # a comfortable touch target
    text = phone.inner_text("body")
    assert "Harcourt & Vale" in text and "26 March 2026" in text
    assert "stored only mixed with the answers of at least 5 people" in text
    screenshot(phone, f"mail-{'reminder' if reminder else 'invitation'}-360")
