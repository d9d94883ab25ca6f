"""Staff account mail: an invitation to set a password, or a password reset.

Participant mail is only ever sent by workers, after the transaction that caused
it; a staff invitation or reset is sent by the request that made it, after its
commit (it names a staff member, not a respondent, so its timing reveals nothing).
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from surveys.mail.addresses import POLICY, domain_of, mailbox
from surveys.settings import Settings


def account_link(base_url: str, secret: str) -> str:
    """The set-password page of an invitation or a reset link."""
    return f"{base_url}/auth/set-password/{secret}"


def account_message(
    settings: Settings, to: str, purpose: str, link: str, expires_at: datetime
) -> EmailMessage:
    """A staff invitation (``purpose`` "invite") or a password reset: the single-use link."""
    message = EmailMessage(policy=POLICY)
    message["From"] = mailbox(settings.mail_from, "Flipside")
    message["To"] = mailbox(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=domain_of(settings.mail_from))
    if purpose == "invite":
        message["Subject"] = "Your Flipside account"
        opening = "An administrator created a Flipside account for you. Choose your password here:"
    else:
        message["Subject"] = "Reset your Flipside password"
        opening = (
            "Someone (we hope you) asked to reset your Flipside password. Choose a new one here:"
        )
    lines = [
        "Hello,",
        "",
        opening,
        "",
        link,
        "",
        f"The link works once, until {expires_at:%d %B %Y %H:%M} UTC. If you did not expect "
        "this e-mail, ignore it: nothing changes until the link is used.",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message
