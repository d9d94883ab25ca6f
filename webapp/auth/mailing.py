"""Sending a staff member their set-password link (an invitation or a reset) after the commit."""

from __future__ import annotations

import logging

from surveys.db.models import Account
from surveys.mail import account_link, account_message, mailer_for
from surveys.services.staff import IssuedLink
from webapp import current

log = logging.getLogger(__name__)


def send_link(account: Account, purpose: str, issued: IssuedLink) -> bool:
    """Mail the link (SMTP_URL, or the instance mail folder); False when sending failed.

    Called after the link's transaction committed, so a mail server that is down
    never undoes the invitation: the caller can show the link instead.
    """
    settings = current.settings()
    link = account_link(settings.base_url, issued.secret)
    message = account_message(settings, account.email, purpose, link, issued.expires_at)
    try:
        mailer_for(settings).send(message)
    except OSError:
        log.warning("could not send the %s e-mail for account %s", purpose, account.id)
        return False
    return True
