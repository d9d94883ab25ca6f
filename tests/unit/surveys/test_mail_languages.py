"""Invitations in the person's language: subject, both parts, dates and the promise."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest

from surveys.mail import InvitationMail, invitation_message, plain_text, sender_for, survey_links

BASE = "https://surveys.flipside.example"
LINKS = survey_links(BASE, "A" * 22, "7.9.signature")


def pulse(language: str, **overrides: object) -> InvitationMail:
    values: dict[str, object] = {
        "to": "ada@harcourt.example",
        "firm": "Harcourt & Vale",
        "programme": "mentorat inversé",
        "survey_title": "Votre séance de mentorat inversé",
        "kind": "pulse",
        "intro": "Quelques questions rapides.",
        "expires_at": datetime(2026, 3, 26, 23, 0, tzinfo=UTC),
        "k": 5,
        "links": LINKS,
        "session_on": date(2026, 3, 12),
        "language": language,
        **overrides,
    }
    return InvitationMail(**values)  # type: ignore[arg-type]


def sent(mail: InvitationMail) -> EmailMessage:
    sender = sender_for(BASE, "flipside@deploy.example", None, "dandi@harcourt.example")
    parsed = email.message_from_bytes(
        bytes(invitation_message(mail, sender)), policy=email.policy.default
    )
    assert isinstance(parsed, EmailMessage)
    return parsed


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def test_a_french_invitation_subject_and_both_parts_are_in_french() -> None:
    message = sent(pulse("fr"))
    assert str(message["Subject"]).strip() == (
        "Harcourt & Vale mentorat inversé\u00a0: votre séance du 12 mars"
    )
    text, html = plain_text(message), html_of(message)
    assert text.startswith("Bonjour,")
    assert "votre séance de mentorat inversé du 12 mars 2026" in text
    assert "Vos réponses sont anonymes." in text and "au moins 5 personnes" in text
    assert "jusqu'au 26 mars 2026" in text
    assert "Hello" not in text and "anonymous" not in text
    assert '<html lang="fr">' in html
    assert "Répondre au questionnaire" in html and "Votre séance du 12 mars" in html
    assert "Harcourt &amp; Vale" in html and "Harcourt & Vale" not in html  # still escaped
    assert "Answer the survey" not in html


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        (
            "de",
            "Erinnerung: Harcourt & Vale mentorat inversé: Ihr Gespräch am 12. März",
            "Guten Tag,",
        ),
        (
            "es",
            "Recordatorio: Harcourt & Vale mentorat inversé: su sesión del 12 de marzo",
            "Buenos días:",
        ),
        ("en", "Reminder: Harcourt & Vale mentorat inversé: your session on 12 March", "Hello,"),
    ],
)
def test_reminders_say_so_in_the_persons_language(
    language: str, subject: str, greeting: str
) -> None:
    message = sent(pulse(language, reminder=True))
    assert str(message["Subject"]).strip() == subject
    assert plain_text(message).startswith(greeting)
