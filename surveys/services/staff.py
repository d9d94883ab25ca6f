"""Administering staff accounts: invitations and resets, roles, deactivation, the audit log.

Set-password links (an invitation or a reset) are single-use and expire after
LINK_LIFETIME; only their SHA-256 is stored, as for survey tokens. Issuing a
new link of the same purpose retires the older ones. Every change to an
account, and every staff sign-in, is written to ``account_audit``. The last
active administrator cannot be demoted, deactivated or deleted, so an
installation always has someone who can manage it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from surveys.db.models import ACCOUNT_ROLES, Account, AccountAudit, AccountToken, Firm
from surveys.db.types import utcnow
from surveys.services.accounts import check_new_password, hash_password, verify_password
from surveys.services.errors import Conflict, Gone, Invalid, NotFound

LINK_LIFETIME = timedelta(hours=48)


@dataclass(frozen=True)
class IssuedLink:
    """A set-password link's secret (shown or mailed once) and when it stops working."""

    secret: str
    expires_at: datetime


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def audit(
    session: Session, action: str, account: Account, actor: Account | None = None, **detail: Any
) -> None:
    """Write one line of the account audit log in the caller's transaction."""
    session.add(
        AccountAudit(
            action=action,
            account_id=account.id,
            account_email=account.email,
            actor_id=actor.id if actor else None,
            actor_email=actor.email if actor else None,
            detail=detail,
            at=utcnow(),
        )
    )


def account_or_404(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id) if 0 < account_id <= 2**31 - 1 else None
    if account is None:
        raise NotFound(f"there is no account {account_id}")
    return account


def firms_by_slug(session: Session, slugs: list[str]) -> list[Firm]:
    """The firms named by ``slugs``; Invalid naming the first unknown one."""
    for slug in slugs:
        if "\x00" in slug:  # PostgreSQL refuses it in a query: a clear sentence instead
            raise Invalid("a firm slug cannot contain a NUL character")
    found = {f.slug: f for f in session.scalars(select(Firm).where(Firm.slug.in_(slugs)))}
    for slug in slugs:
        if slug not in found:
            raise Invalid(f"there is no firm {slug!r}")
    return [found[s] for s in dict.fromkeys(slugs)]


def check_scope(role: str, firms: list[Firm]) -> None:
    """A D&I lead or a researcher works for at least one firm; an administrator for all; a
    coordinator for no firm (they are given programmes: surveys.services.members)."""
    if role not in ACCOUNT_ROLES:
        raise Invalid(f"role must be one of {', '.join(ACCOUNT_ROLES)}")
    if role == "coordinator":
        if firms:
            raise Invalid("a coordinator is given programmes, not firms")
        return
    if role != "admin" and not firms:
        raise Invalid(f"a {role} account needs at least one firm")


def _other_active_admins(session: Session, account: Account) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Account)
            .where(Account.role == "admin", Account.active.is_(True), Account.id != account.id)
        )
        or 0
    )


def _keep_an_admin(session: Session, account: Account, what: str) -> None:
    if account.role == "admin" and account.active and not _other_active_admins(session, account):
        raise Conflict(f"the last active administrator cannot be {what}")


def set_role(
    session: Session, account: Account, role: str, firms: list[Firm], actor: Account | None
) -> None:
    check_scope(role, firms)
    if role != "admin":
        _keep_an_admin(session, account, "given another role")
    before = {"role": account.role, "firms": sorted(f.slug for f in account.firms)}
    account.role = role
    account.firms = [] if role == "admin" else list(firms)
    after = {"role": role, "firms": sorted(f.slug for f in account.firms)}
    if before != after:
        audit(session, "role_changed", account, actor, before=before, after=after)
    session.flush()


def set_active(session: Session, account: Account, active: bool, actor: Account | None) -> None:
    """Deactivate (no sign-in, API tokens refused) or reactivate an account."""
    if not active:
        _keep_an_admin(session, account, "deactivated")
    if account.active != active:
        account.active = active
        if not active:
            _retire_links(session, account.id, None)
        audit(session, "reactivated" if active else "deactivated", account, actor)
    session.flush()


def delete_account(session: Session, account: Account, actor: Account | None) -> None:
    """Delete an account (its tokens and exports go with it; the audit log stays)."""
    if actor is not None and actor.id == account.id:
        raise Conflict("you cannot delete your own account")
    _keep_an_admin(session, account, "deleted")
    audit(session, "deleted", account, actor, role=account.role)
    session.delete(account)
    session.flush()


def _retire_links(session: Session, account_id: int, purpose: str | None) -> None:
    query = update(AccountToken).where(
        AccountToken.account_id == account_id, AccountToken.used_at.is_(None)
    )
    if purpose is not None:
        query = query.where(AccountToken.purpose == purpose)
    session.execute(query.values(used_at=utcnow()))


def issue_link(
    session: Session, account: Account, purpose: str, actor: Account | None = None
) -> IssuedLink:
    """A new single-use set-password link; older unused links of the same purpose stop working."""
    if not account.active:
        raise Conflict(f"{account.email} is deactivated")
    _retire_links(session, account.id, purpose)
    secret = secrets.token_urlsafe(32)
    expires_at = utcnow() + LINK_LIFETIME
    session.add(
        AccountToken(
            account_id=account.id,
            purpose=purpose,
            token_hash=token_hash(secret),
            expires_at=expires_at,
        )
    )
    audit(session, "invited" if purpose == "invite" else "reset_requested", account, actor)
    session.flush()
    return IssuedLink(secret, expires_at)


def valid_link(session: Session, secret: str) -> AccountToken | None:
    """The unused, unexpired link for ``secret`` of an active account, or None."""
    if not secret or len(secret) > 100:
        return None
    link = session.scalar(select(AccountToken).where(AccountToken.token_hash == token_hash(secret)))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    account = session.get(Account, link.account_id)
    return link if account is not None and account.active else None


def redeem_link(session: Session, secret: str, password: str) -> Account:
    """Set the password through a link, once; Gone (410) for a used, expired or unknown link."""
    check_new_password(password)
    link = valid_link(session, secret)
    if link is None:
        raise Gone("this link has expired or was used already; ask for a new one")
    claimed = session.execute(
        update(AccountToken)
        .where(AccountToken.id == link.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise Gone("this link has expired or was used already; ask for a new one")
    account = account_or_404(session, link.account_id)
    account.password_hash = hash_password(password)
    _retire_links(session, account.id, None)
    audit(session, "password_set", account, None, via=link.purpose)
    session.flush()
    return account


def change_password(session: Session, account: Account, current: str, new: str) -> None:
    """The signed-in account changes its own password (the current one must match)."""
    if not verify_password(account, current):
        raise Invalid("the current password is not right")
    check_new_password(new)
    account.password_hash = hash_password(new)
    _retire_links(session, account.id, None)
    audit(session, "password_changed", account, account)
    session.flush()


def set_password(session: Session, account: Account, password: str, actor: Account | None) -> None:
    """Set a password directly (``flipside users create`` with a password read from a prompt)."""
    check_new_password(password)
    account.password_hash = hash_password(password)
    audit(session, "password_set", account, actor, via="command line")
    session.flush()


def record_sign_in(session: Session, account: Account, method: str = "password") -> None:
    """Audit a staff sign-in (the caller commits)."""
    audit(session, "signed_in", account, account, method=method)
