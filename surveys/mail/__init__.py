"""E-mail: composing survey invitations and reminders (``compose``), staff account links
(``accounts``), their address headers and checking addresses (``addresses``), and
sending them (``sending``).

``compose`` renders the Jinja templates in ``surveys/mail/templates``; the
worker builds an :class:`InvitationMail` from an invitation (``content``).
"""

from surveys.mail.accounts import account_link, account_message
from surveys.mail.addresses import deliverable, mailbox
from surveys.mail.compose import (
    MAX_BYTES,
    InvitationMail,
    Sender,
    SurveyLinks,
    invitation_message,
    sender_for,
    subject,
    survey_links,
)
from surveys.mail.content import mail_for
from surveys.mail.sending import FolderMailer, Mailer, SmtpMailer, mailer_for, plain_text

__all__ = [
    "account_link",
    "account_message",
    "deliverable",
    "mailbox",
    "MAX_BYTES",
    "FolderMailer",
    "InvitationMail",
    "Mailer",
    "Sender",
    "SmtpMailer",
    "SurveyLinks",
    "invitation_message",
    "mail_for",
    "mailer_for",
    "plain_text",
    "sender_for",
    "subject",
    "survey_links",
]
