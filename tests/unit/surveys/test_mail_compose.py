"""Invitations people can trust: who it is from, what it is about, both parts, small."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest

from surveys.mail import (
    MAX_BYTES,
    InvitationMail,
    invitation_message,
    plain_text,
    sender_for,
    survey_links,
)

BASE = "https://surveys.flipside.example"
LINKS = survey_links(BASE, "A" * 22, "7.9.signature")
EXPIRES = datetime(2026, 3, 26, 23, 0, tzinfo=UTC)


def pulse(**overrides: object) -> InvitationMail:
    values: dict[str, object] = {
        "to": "ada@harcourt.example",
        "firm": "Harcourt & Vale",
        "programme": "reverse mentoring",
        "survey_title": "Your reverse-mentoring session",
        "kind": "pulse",
        "intro": "A few quick questions about the session you just had. It takes under a minute.",
        "expires_at": EXPIRES,
        "k": 5,
        "links": LINKS,
        "session_on": date(2026, 3, 12),
        **overrides,
    }
    return InvitationMail(**values)  # type: ignore[arg-type]


def sent(
    mail: InvitationMail, firm_from: str | None = None, reply_to: str | None = None
) -> EmailMessage:
    """The message as a receiving server parses it."""
    sender = sender_for(BASE, "flipside@deploy.example", firm_from, reply_to)
    raw = bytes(invitation_message(mail, sender))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def header(message: EmailMessage, name: str) -> str:
    """A header's value as a mail client shows it (a folded header keeps its leading space)."""
    return str(message[name]).strip()


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert isinstance(part, EmailMessage) and part.get_content_type() == "text/html"
    return str(part.get_content())


def test_sender_and_subject_name_the_firm_the_programme_and_the_session() -> None:
    message = sent(pulse(), "mentoring@harcourt.example", "dandi@harcourt.example")
    assert (
        header(message, "Subject") == "Harcourt & Vale reverse mentoring: your session on 12 March"
    )
    assert message["From"].addresses[0].display_name == "Harcourt & Vale reverse mentoring"
    assert message["From"].addresses[0].addr_spec == "mentoring@harcourt.example"
    assert message["Reply-To"] == "dandi@harcourt.example"


def test_without_a_firm_address_the_deployments_sender_is_used_and_no_reply_to() -> None:
    message = sent(pulse())
    assert message["From"].addresses[0].addr_spec == "flipside@deploy.example"
    assert message["Reply-To"] is None


def test_date_message_id_on_the_senders_domain_and_one_click_unsubscribe() -> None:
    message = sent(pulse())
    assert abs((parsedate_to_datetime(message["Date"]) - datetime.now(UTC)).total_seconds()) < 60
    assert message["Message-ID"].endswith("@deploy.example>")
    firms = sent(pulse(), firm_from="pulse@harcourt-vale.example")
    assert firms["Message-ID"].endswith("@harcourt-vale.example>")
    assert header(message, "List-Unsubscribe") == f"<{LINKS.opt_out}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_multipart_alternative_with_a_button_the_firm_the_promise_and_the_expiry() -> None:
    message = sent(pulse())
    assert message.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in message.iter_parts()]
    assert types == ["text/plain", "text/html"]
    html = html_part(message)
    assert f'href="{LINKS.survey}"' in html and ">Answer the survey</a>" in html
    assert "Harcourt &amp; Vale" in html and "Harcourt & Vale" not in html  # escaped
    assert "sealed when you send them and stored only mixed with the answers of at least 5" in html
    assert "26 March 2026" in html
    assert LINKS.opt_out in html and LINKS.we_met is not None and LINKS.we_met in html


def test_the_plain_text_keeps_each_paragraph_on_one_line() -> None:
    text = plain_text(sent(pulse()))
    promise = next(line for line in text.splitlines() if line.startswith("Your answers are"))
    assert promise.endswith("Results are only shown for groups of at least 5 people.")
    assert "sealed when you send them" in promise
    assert f"Answer here: {LINKS.survey}" in text.splitlines()
    assert "until 26 March 2026" in text and LINKS.opt_out in text


def test_reminders_say_so_in_the_subject_and_both_parts() -> None:
    message = sent(pulse(reminder=True))
    assert header(message, "Subject").startswith("Reminder: Harcourt & Vale reverse mentoring")
    assert plain_text(message).splitlines()[2].startswith("This is a reminder")
    assert "Reminder: you have not answered yet" in html_part(message)
    assert "reminder" not in header(sent(pulse()), "Subject").lower()


def test_a_climate_invitation_names_its_round() -> None:
    message = sent(
        pulse(
            kind="climate",
            survey_title="How it feels to work here",
            session_on=None,
            round_label="baseline",
            links=survey_links(BASE, "B" * 22),
        )
    )
    assert (
        header(message, "Subject")
        == "Harcourt & Vale reverse mentoring: How it feels to work here (baseline)"
    )
    assert "/met/" not in plain_text(message) and "/met/" not in html_part(message)


@pytest.mark.parametrize("reminder", [False, True])
def test_the_message_stays_small(reminder: bool) -> None:
    long = pulse(firm="Harcourt, Vale & Partners International LLP " * 3, reminder=reminder)
    sender = sender_for(BASE, "flipside@deploy.example", None, "dandi@harcourt.example")
    assert len(bytes(invitation_message(long, sender))) < MAX_BYTES == 30_000
