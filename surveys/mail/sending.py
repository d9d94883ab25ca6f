"""Sending mail: over SMTP, or into a folder when no SMTP server is configured.

With ``SMTP_URL`` messages go over SMTP (STARTTLS when the server offers it,
or implicit TLS for ``smtps://``). Without it (the embedded mode) each message
is written as an ``.eml`` file under ``instance/mail/`` and its link is logged.
Mail is only ever sent by workers, after the transaction that caused it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from surveys.settings import Settings

log = logging.getLogger("surveys.mail")


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


def plain_text(message: EmailMessage) -> str:
    """The message's plain-text part (the whole body for a single-part message)."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if isinstance(part, EmailMessage) else ""


@dataclass(frozen=True)
class FolderMailer:
    folder: Path

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{uuid.uuid4().hex}.eml"
        path.write_bytes(bytes(message))
        link = next(
            (line for line in plain_text(message).splitlines() if line.startswith("Answer here: ")),
            "",
        )
        log.info("mail written to %s (no SMTP_URL). %s", path, link)


def mailer_for(settings: Settings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url)
    return FolderMailer(settings.mail_dir)
