"""Staff account mail sent in the background: password-reset links.

The reset page only writes an outbox event (surveys.services.resets), so it answers
alike for every address; this actor looks the address up, issues a link at most
once per ``FLIPSIDE_RESET_MAIL_MINUTES`` and mails it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import dramatiq

from surveys import outbox
from surveys.mail import account_link, account_message, mailer_for
from surveys.services.resets import issue_reset
from workers import broker as _broker  # noqa: F401  (the broker before any actor)
from workers import runtime

log = logging.getLogger(__name__)


@dramatiq.actor(queue_name="mail", max_retries=3, time_limit=60_000, min_backoff=5000)
def send_password_reset(event_id: int, email: str) -> None:
    """Issue and mail a reset link if ``email`` has an active account not mailed lately.

    The link is issued and the receipt claimed in one transaction before sending, so a
    redelivery never mails twice; a mail server that refuses loses this one mail
    (logged), and the owner can ask again after the interval."""
    settings = runtime.settings()
    interval = timedelta(minutes=settings.reset_mail_minutes)
    with runtime.db().transaction() as session:
        if not outbox.claim_receipt(session, "send_password_reset", event_id):
            return
        issued = issue_reset(session, email, interval)
        if issued is None:
            return
        account, link = issued
        to, account_id = account.email, account.id
    message = account_message(
        settings, to, "reset", account_link(settings.base_url, link.secret), link.expires_at
    )
    try:
        mailer_for(settings).send(message)
    except OSError:
        log.warning("could not send the reset e-mail for account %s", account_id)
