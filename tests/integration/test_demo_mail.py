"""Issue 26: the demo's firms send from their own domains, and the Message-ID is on the
sender's domain, so the demo's mail shows what a real deployment sends."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from surveys.db.models import Firm, Person, SurveyInvitation
from surveys.definitions import catalogue
from surveys.mail import invitation_message, mail_for, survey_links


def test_each_demo_firm_sends_from_its_own_domain(demo_world: Any, make_settings: Any) -> None:
    settings = make_settings(base_url="http://127.0.0.1:5000")
    with demo_world.db.sessions() as session:
        firms = session.scalars(select(Firm).order_by(Firm.slug)).all()
        assert len(firms) >= 4
        composed = 0
        for firm in firms:
            domain = f"{firm.slug}.example.com"
            assert firm.mail_from == f"pulse@{domain}" and firm.reply_to is not None
            invitation = session.scalars(
                select(SurveyInvitation)
                .join(Person, Person.id == SurveyInvitation.person_id)
                .where(Person.firm_id == firm.id)
                .limit(1)
            ).first()
            if invitation is None:
                continue
            definition = catalogue().get(invitation.survey_key, invitation.survey_version)
            links = survey_links(settings.base_url, "A" * 22)
            message = invitation_message(*mail_for(invitation, definition, links, settings))
            parsed = email.message_from_bytes(bytes(message), policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            assert [a.addr_spec for a in parsed["From"].addresses] == [f"pulse@{domain}"]
            assert parsed["Message-ID"].endswith(f"@{domain}>"), parsed["Message-ID"]
            assert "127.0.0.1" not in str(parsed["Message-ID"])
            composed += 1
        assert composed >= 3, "the demo has invitations of at least three firms"
