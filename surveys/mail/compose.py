"""Composing invitations and reminders people can trust (issue 16).

The sender's name and the subject name the firm and the programme (and the session's
date, or the climate round); the address is the firm's own (else ``FLIPSIDE_MAIL_FROM``)
with the firm's Reply-To, built as ``email.headerregistry`` addresses (addresses.py);
``Date:`` and a Message-ID on the sender's domain. The body is multipart/alternative: a
plain-text part whose paragraphs are single lines (clients wrap them to the screen; the
transfer encoding, not the text, breaks long lines) and an HTML part with a button, the
firm's name, the anonymity promise and the expiry. Both come from Jinja templates in
``surveys/mail/templates`` (plain jinja2: the worker renders them, and workers never
import the web app), in the person's language: the templates mark their sentences for
Babel (``_()``) and each language renders through its own environment with that
language's catalogue (surveys.languages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from surveys import languages
from surveys.db.types import utcnow
from surveys.mail.addresses import POLICY, domain_of, mailbox, one_line

TEMPLATES = Path(__file__).parent / "templates"
#: An invitation must stay small: some mail gateways clip or quarantine large HTML mail.
MAX_BYTES = 30_000


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


@dataclass(frozen=True)
class Sender:
    """Who the mail comes from: the firm's address (or the deployment's) and Reply-To."""

    address: str
    reply_to: str | None
    #: The sender address's domain, for Message-IDs (as a real mail system writes them).
    domain: str


def sender_for(
    base_url: str, default_from: str, firm_from: str | None, reply_to: str | None
) -> Sender:
    """The firm's sender address if it has one (else the deployment's), and its domain."""
    address = firm_from or default_from
    return Sender(address=address, reply_to=reply_to or None, domain=domain_of(address))


@dataclass(frozen=True)
class InvitationMail:
    """Everything an invitation or reminder says (no answers: none exist yet)."""

    to: str
    firm: str
    programme: str
    survey_title: str
    #: "pulse" (after a session) or "climate" (a round).
    kind: str
    intro: str
    expires_at: datetime
    #: The firm's minimum group size: answers are stored only mixed with k people's.
    k: int
    links: SurveyLinks
    session_on: date | None = None
    round_label: str | None = None
    reminder: bool = False
    #: The language of the subject and body (the person's, else the firm's default).
    language: str = languages.DEFAULT_LANGUAGE


def subject(mail: InvitationMail) -> str:
    """e.g. "Harcourt & Vale Reverse mentoring: your session on 12 March"."""
    language = mail.language
    gettext = languages.translations(language).gettext
    if mail.kind == "pulse" and mail.session_on is not None:
        about = gettext("your session on %(date)s") % {
            "date": languages.day_month(mail.session_on, language)
        }
    elif mail.round_label:
        about = f"{mail.survey_title} ({mail.round_label})"
    else:
        about = mail.survey_title
    text = gettext("%(firm)s %(programme)s: %(about)s") % {
        "firm": mail.firm,
        "programme": mail.programme,
        "about": about,
    }
    text = gettext("Reminder: %(subject)s") % {"subject": text} if mail.reminder else text
    return one_line(text)


@cache
def environment(language: str = languages.DEFAULT_LANGUAGE) -> Environment:
    """The mail templates' Jinja environment in ``language``: autoescaped HTML, strict
    about missing values, ``_()`` from that language's catalogue."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]  # added by the extension
        languages.translations(language), newstyle=True
    )
    env.filters["full_date"] = lambda day: languages.long_date(day, language)
    env.filters["day_month"] = lambda day: languages.day_month(day, language)
    return env


def render(mail: InvitationMail, sender: Sender) -> tuple[str, str]:
    """The plain-text and HTML bodies."""
    env = environment(mail.language)
    values = {"mail": mail, "sender": sender, "subject": subject(mail)}
    text = env.get_template("invitation.txt").render(values)
    html = env.get_template("invitation.html").render(values)
    return text, html


def invitation_message(
    mail: InvitationMail, sender: Sender, now: datetime | None = None
) -> EmailMessage:
    """The whole message: headers, a plain-text part and an HTML alternative."""
    message = EmailMessage(policy=POLICY)
    # Address objects, never formatted strings: the names are the lead's (addresses.py).
    message["From"] = mailbox(sender.address, f"{mail.firm} {mail.programme}")
    message["To"] = mailbox(mail.to)
    if sender.reply_to:
        message["Reply-To"] = mailbox(sender.reply_to)
    message["Subject"] = subject(mail)
    message["Date"] = format_datetime(now or utcnow())
    message["Message-ID"] = make_msgid(domain=sender.domain)
    message["List-Unsubscribe"] = f"<{mail.links.opt_out}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    text, html = render(mail, sender)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
