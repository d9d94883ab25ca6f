"""Staff accounts: creation and password checks (argon2id)."""

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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_account(
    session: Session, email: str, password: str, role: str, firms: list[Firm] | None = None
) -> Account:
    email = email.strip().lower()
    if "@" not in email:
        raise Invalid("an account needs an e-mail address")
    if role not in ACCOUNT_ROLES:
        raise Invalid(f"role must be one of {', '.join(ACCOUNT_ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(Account.id).where(func.lower(Account.email) == email)) is not None:
        raise Conflict(f"an account for {email} exists already")
    account = Account(email=email, password_hash=hash_password(password), role=role)
    account.firms = list(firms or [])
    session.add(account)
    session.flush()
    return account


def firm_scope(account: Account) -> set[int] | None:
    """The firms an account may see and act on; None means every firm (administrators).

    The one copy of the tenant rule: pages, the API and research exports all ask it.
    """
    return None if account.role == "admin" else {f.id for f in account.firms}


def verify_password(account: Account, password: str) -> bool:
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
    inactive account, wrong or right password), so the time taken does not tell
    whether an account exists.
    """
    email = email.strip().lower()
    account = session.scalar(select(Account).where(func.lower(Account.email) == email))
    matches = _verify(account.password_hash if account else _dummy_hash(), password)
    if account is None or not account.active or not matches:
        return None
    return account
