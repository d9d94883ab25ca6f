"""E-mail: composing survey invitations and reminders, staff account links, and sending them.

With ``SMTP_URL`` messages go over SMTP (STARTTLS when the server offers it,
or implicit TLS for ``smtps://``). Without it (the embedded mode) each message
is written as an ``.eml`` file under ``instance/mail/`` and its link is logged.
Participant mail is only ever sent by workers, after the transaction that caused
it; a staff invitation or reset is sent by the request that made it, after its
commit (it names a staff member, not a respondent, so its timing reveals nothing).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from surveys.definitions import SurveyDefinition
from surveys.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SurveyLinks:
    survey: str
    opt_out: str
    we_met: str | None = None


def survey_links(base_url: str, token: str, met_token: str | None = None) -> SurveyLinks:
    return SurveyLinks(
        survey=f"{base_url}/s/{token}",
        opt_out=f"{base_url}/s/{token}/opt-out",
        we_met=f"{base_url}/met/{met_token}" if met_token else None,
    )


def invitation_message(
    settings: Settings,
    to: str,
    definition: SurveyDefinition,
    links: SurveyLinks,
    expires_at: datetime,
    *,
    reminder: bool = False,
) -> EmailMessage:
    """The invitation (or reminder) e-mail: the link, how answers are protected, an opt-out."""
    message = EmailMessage()
    message["From"] = formataddr(("Flipside", settings.mail_from))
    message["To"] = to
    subject = definition.title if not reminder else f"Reminder: {definition.title}"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="flipside.invalid")
    message["List-Unsubscribe"] = f"<{links.opt_out}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    minutes = "under a minute" if definition.kind == "pulse" else "about two minutes"
    lines = [
        "Hello,",
        "",
        (f"A gentle reminder: {definition.intro}" if reminder else definition.intro)
        or f"Please answer a short survey ({minutes}).",
        "",
        f"Answer here: {links.survey}",
        "",
        "Your answers are anonymous. They are stored apart from this invitation, with",
        "nothing that links them to you, and results are only shown for groups of",
        "several people.",
        "",
        f"This personal link works once, until {expires_at:%d %B %Y}. Please do not forward it.",
    ]
    if links.we_met:
        lines += ["", f"Met your reverse-mentoring partner again? Tell us here: {links.we_met}"]
    lines += ["", f"No more e-mails about this survey: {links.opt_out}"]
    message.set_content("\n".join(lines) + "\n")
    return message


def account_link(base_url: str, secret: str) -> str:
    """The set-password page of an invitation or a reset link."""
    return f"{base_url}/auth/set-password/{secret}"


def account_message(
    settings: Settings, to: str, purpose: str, link: str, expires_at: datetime
) -> EmailMessage:
    """A staff invitation (``purpose`` "invite") or a password reset: the single-use link."""
    message = EmailMessage()
    message["From"] = formataddr(("Flipside", settings.mail_from))
    message["To"] = to
    message["Message-ID"] = make_msgid(domain="flipside.invalid")
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
        f"The link works once, until {expires_at:%d %B %Y %H:%M} UTC. If you did not expect",
        "this e-mail, ignore it: nothing changes until the link is used.",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    url: str
    timeout: float = 20.0

    def send(self, message: EmailMessage) -> None:
        parts = urlsplit(self.url)
        host = parts.hostname or "localhost"
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if parts.scheme == "smtps":
            client = smtplib.SMTP_SSL(
                host, parts.port or 465, timeout=self.timeout, context=context
            )
        else:
            client = smtplib.SMTP(host, parts.port or 587, timeout=self.timeout)
        with client:
            client.ehlo()
            if parts.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)


@dataclass(frozen=True)
class FolderMailer:
    folder: Path

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{uuid.uuid4().hex}.eml"
        path.write_bytes(bytes(message))
        link = next(
            (
                line
                for line in message.get_content().splitlines()
                if line.startswith("Answer here: ")
            ),
            "",
        )
        log.info("mail written to %s (no SMTP_URL). %s", path, link)


def mailer_for(settings: Settings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url)
    return FolderMailer(settings.mail_dir)
