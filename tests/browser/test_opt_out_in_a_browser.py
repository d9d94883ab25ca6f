"""The opt-out page on a phone: three scopes, keyboard only, undo, axe clean, no sideways scroll."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from surveys.db.session import Database
from surveys.services.invitations import issue_pulse_invitations
from tests.browser.conftest import axe_violations, screenshot
from tests.support import factories as f

pytestmark = pytest.mark.browser


def test_a_participant_stops_the_programmes_pulses_and_undoes_it_on_a_phone(
    sqlite_db: Database, live_server: tuple[str, Callable[..., Any]], phone: Any
) -> None:
    base_url, _ = live_server
    with sqlite_db.transaction() as session:
        programme = f.programme(session, f.firm(session, name="Harcourt & Vale"))
        pairing = f.pairing(session, programme)
        meeting = f.meeting(session, pairing, held_on=date.today() - timedelta(days=1))
        token = f.token_of(issue_pulse_invitations(session, meeting.id, f.SECRET, 14)[0])
    phone.goto(f"{base_url}/s/{token}/opt-out")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(phone) == []
    phone.get_by_label(f"All pulse surveys of {programme.name}", exact=False).focus()
    phone.keyboard.press("Space")
    phone.get_by_role("button", name="Stop these e-mails").focus()
    with phone.expect_navigation():  # the load state alone may be the page before the POST
        phone.keyboard.press("Enter")
    assert "You will get no more e-mails for all pulse surveys" in phone.inner_text("main")
    screenshot(phone, "opt-out-done-phone")
    assert axe_violations(phone) == []
    with phone.expect_navigation():
        phone.get_by_role("button", name="Undo: e-mail me again about this survey").click()
    assert "are on again" in phone.inner_text("main")
