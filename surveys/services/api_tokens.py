"""Per-account API tokens: random, shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Account, ApiToken
from surveys.db.types import utcnow
from surveys.services.errors import Invalid, NotFound

#: Tokens start with this, so a leaked one is easy to recognise in a secret scanner.
PREFIX = "fls_"
_TOKEN_BYTES = 32


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and never stored."""

    id: int
    name: str
    secret: str


def hash_api_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(session: Session, account_id: int, name: str) -> IssuedToken:
    """Issue a token acting as ``account_id`` (caller commits and shows ``secret`` once)."""
    account = session.get(Account, account_id)
    if account is None or not account.active:
        raise NotFound(f"there is no active account {account_id}")
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("a token needs a name of 1 to 100 characters, e.g. 'HR sync'")
    secret = PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    token = ApiToken(account_id=account.id, name=name, token_hash=hash_api_token(secret))
    session.add(token)
    session.flush()
    return IssuedToken(token.id, name, secret)


def revoke_api_token(session: Session, token_id: int, account_id: int | None = None) -> ApiToken:
    """Revoke a token (of ``account_id`` when given); revoking twice is harmless."""
    token = session.get(ApiToken, token_id)
    if token is None or (account_id is not None and token.account_id != account_id):
        raise NotFound(f"there is no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token


def account_for_token(session: Session, secret: str) -> Account | None:
    """The active account a presented token acts as, or None (unknown, revoked, inactive)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    account = session.scalar(
        select(Account)
        .join(ApiToken, ApiToken.account_id == Account.id)
        .where(ApiToken.token_hash == hash_api_token(secret), ApiToken.revoked_at.is_(None))
    )
    if account is None or not account.active:
        return None
    return account
