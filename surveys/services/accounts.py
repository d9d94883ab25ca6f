"""Staff accounts: creation, password checks (argon2id) and the tenant rule.

Administration of accounts (invitations, roles, deactivation, the audit log)
is :mod:`surveys.services.staff`; single sign-on is :mod:`surveys.services.sso`.
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.db.models import ACCOUNT_ROLES, Account, Firm
from surveys.services.errors import Conflict, Invalid

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_new_password(password: str) -> None:
    """Invalid (422) unless ``password`` is long enough to be a password at all."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(f"a password has at most {MAX_PASSWORD_LENGTH} characters")


def normalise_email(email: str) -> str:
    """The address in lower case; Invalid unless it looks like one."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or not domain or any(c.isspace() for c in email) or len(email) > 254:
        raise Invalid("an account needs an e-mail address")
    return email


def find_account(session: Session, email: str) -> Account | None:
    return session.scalar(select(Account).where(func.lower(Account.email) == email.strip().lower()))


def new_account(
    session: Session, email: str, role: str, firms: list[Firm], password: str | None = None
) -> Account:
    """An account without a password (it gets one from an invitation, or uses SSO)."""
    email = normalise_email(email)
    if role not in ACCOUNT_ROLES:
        raise Invalid(f"role must be one of {', '.join(ACCOUNT_ROLES)}")
    if password is not None:
        check_new_password(password)
    if find_account(session, email) is not None:
        raise Conflict(f"an account for {email} exists already")
    account = Account(
        email=email, password_hash=hash_password(password) if password else None, role=role
    )
    account.firms = list(firms)
    session.add(account)
    session.flush()
    return account


def create_account(
    session: Session, email: str, password: str, role: str, firms: list[Firm] | None = None
) -> Account:
    """An account with a password (the demo, tests and ``flipside users create``)."""
    if "@" not in email:
        raise Invalid("an account needs an e-mail address")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return new_account(session, email, role, list(firms or []), password)


def firm_scope(account: Account) -> set[int] | None:
    """The firms an account may see and act on; None means every firm (administrators).

    The one copy of the tenant rule: pages, the API and research exports all ask it.
    A coordinator has none: they read their programmes pooled (surveys.services.members).
    """
    if account.role == "coordinator":
        return set()
    return None if account.role == "admin" else {f.id for f in account.firms}


def verify_password(account: Account, password: str) -> bool:
    """Whether ``password`` is the account's; always False for an account without one."""
    if not account.password_hash:
        return False
    return _verify(account.password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash no password is checked against for real: unknown e-mails cost one argon2 verify."""
    return _hasher.hash(secrets.token_urlsafe(24))


def authenticate(session: Session, email: str, password: str) -> Account | None:
    """The active account with this e-mail and password, or None.

    Exactly one argon2 verification runs whatever the outcome (unknown e-mail,
    inactive account, an account without a password, wrong or right password), so
    the time taken does not tell whether an account exists.
    """
    account = find_account(session, email)
    # An SSO-only or invited account has no password: it is checked against the dummy
    # hash like an unknown e-mail, and never matches.
    stored = account.password_hash if account and account.password_hash else None
    matches = _verify(stored or _dummy_hash(), password) and stored is not None
    if account is None or not account.active or not matches:
        return None
    return account
