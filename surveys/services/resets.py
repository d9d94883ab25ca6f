"""Password resets that tell nobody which addresses have accounts.

Asking for a reset (:func:`request_reset`) does the same work for every address:
it writes one outbox event naming the address tried, in the caller's transaction.
Whether an account exists is looked at only by the worker that consumes the event
(:func:`issue_reset`), so a reset page answers in the same time, with the same page,
for an address with an account and for one without. The worker mails at most one
link per account per interval: ten requests in a minute send one mail, and the
link already in the owner's mailbox keeps working (no new link retires it).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.models import Account, AccountToken
from surveys.db.types import utcnow
from surveys.domain.events import PasswordResetRequested
from surveys.services.accounts import find_account
from surveys.services.staff import IssuedLink, issue_link


def request_reset(session: Session, email: str) -> None:
    """Ask for a reset link for ``email`` (known or not): one outbox event."""
    outbox.add_event(session, PasswordResetRequested(email=email.strip().lower()[:254]))


def issue_reset(
    session: Session, email: str, interval: timedelta
) -> tuple[Account, IssuedLink] | None:
    """A new reset link for the active account of ``email``, unless it has none or was
    sent one less than ``interval`` ago (then None: nothing to mail)."""
    account = find_account(session, email)
    if account is None or not account.active:
        return None
    recent = session.scalar(
        select(AccountToken.id).where(
            AccountToken.account_id == account.id,
            AccountToken.purpose == "reset",
            AccountToken.created_at > utcnow() - interval,
        )
    )
    if recent is not None:
        return None
    return account, issue_link(session, account, "reset")
