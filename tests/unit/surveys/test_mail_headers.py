"""Issue 26: a lead names the programme and the firm, and those names become the display name
of an invitation's From: header. Whatever they hold, a receiving server must read the
configured address as the sender, and the name as the lead typed it (on one line)."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage

import pytest

from surveys.mail import account_message, invitation_message, sender_for
from surveys.mail.addresses import MAX_DISPLAY_NAME, deliverable
from tests.support.keys import KEYS
from tests.unit.surveys.test_mail_compose import BASE, EXPIRES, pulse

SENDER = "pulse@harcourt-vale.example"
HOSTILE = [
    "Reverse Mentoring Programme for Associates and Partners 2027 <ceo@victim.example>",
    "Name <ceo@victim.example>",
    "\"'<>",
    'Acme "Partners" <ceo@victim.example>, other@victim.example',
    "Line one\r\nBcc: everyone@victim.example",
    "Line\nFrom: ceo@victim.example",
    "Société Générale für Ärzte — 日本語 <ceo@victim.example> and a tail long enough to fold",
    "x" * 300 + " <ceo@victim.example>",
    "=?utf-8?q?ceo=40victim.example?= <ceo@victim.example>",
    "Para\u2028graph\x85next\u2029Bcc: everyone@victim.example",
]


def parsed(message: EmailMessage) -> EmailMessage:
    result = email.message_from_bytes(bytes(message), policy=email.policy.default)
    assert isinstance(result, EmailMessage)
    return result


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_programme_name_never_changes_the_sender(name: str) -> None:
    sender = sender_for(BASE, "flipside@deploy.example", SENDER, "dandi@harcourt-vale.example")
    message = parsed(invitation_message(pulse(firm="Harcourt", programme=name), sender))
    addresses = message["From"].addresses
    assert [a.addr_spec for a in addresses] == [SENDER], str(message["From"])
    assert message["From"].defects == ()
    expected = re.sub(r"[\s\x85]+", " ", f"Harcourt {name}").replace("=?", "= ?")
    if len(expected) <= MAX_DISPLAY_NAME:
        assert addresses[0].display_name == expected
    else:
        assert addresses[0].display_name.startswith(expected[:150])
        assert len(addresses[0].display_name) == MAX_DISPLAY_NAME
    assert [a.addr_spec for a in message["Reply-To"].addresses] == ["dandi@harcourt-vale.example"]
    assert [a.addr_spec for a in message["To"].addresses] == ["ada@harcourt.example"]
    assert message["Bcc"] is None
    assert "\n" not in str(message["Subject"]) and "Bcc" not in message.keys()
    assert message["Message-ID"].endswith("@harcourt-vale.example>")


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_firm_name_never_changes_the_sender(name: str) -> None:
    sender = sender_for(BASE, "flipside@deploy.example", None, None)
    message = parsed(invitation_message(pulse(firm=name, programme="mentoring"), sender))
    assert [a.addr_spec for a in message["From"].addresses] == ["flipside@deploy.example"]
    assert message["From"].defects == ()


def test_staff_mail_comes_from_the_configured_address() -> None:
    from surveys.settings import load_settings

    settings = load_settings(
        {
            **KEYS,
            "SECRET_KEY": "t" * 40,
            "FLIPSIDE_MAIL_FROM": "surveys@yourfirm.example",
            "FLIPSIDE_BASE_URL": "https://flipside.yourfirm.example",
        }
    )
    message = parsed(
        account_message(settings, "lee@yourfirm.example", "reset", BASE + "/x", EXPIRES)
    )
    sender = message["From"].addresses
    assert [(a.display_name, a.addr_spec) for a in sender] == [
        ("Flipside", "surveys@yourfirm.example")
    ]
    assert [a.addr_spec for a in message["To"].addresses] == ["lee@yourfirm.example"]
    assert message["Message-ID"].endswith("@yourfirm.example>")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Ada@Example.com", "ada@example.com"),
        ("ada@bücher.example", "ada@xn--bcher-kva.example"),
        ("ADA@MÜNCHEN.EXAMPLE", "ada@xn--mnchen-3ya.example"),
    ],
)
def test_addresses_mail_can_reach_are_kept_in_their_ascii_form(given: str, stored: str) -> None:
    assert deliverable(given) == stored


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("josé@firm.example", "non-ASCII characters before the @"),
        ("ada@firm", "is not an e-mail address"),
        ("Ada <ada@firm.example>", "is not an e-mail address"),
        ("ada@firm.example>", "is not an e-mail address"),
        ("a b@firm.example", "is not an e-mail address"),
        ("ada@@firm.example", "is not an e-mail address"),
    ],
)
def test_addresses_mail_cannot_reach_are_refused_with_a_sentence(given: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        deliverable(given)
