"""Staff accounts: administrators, D&I leads (scoped to firms) and researchers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db.base import Base
from surveys.db.models.programme import Firm, Programme
from surveys.db.types import UTCDateTime, utcnow
from surveys.domain.vocab import sql_in

#: A coordinator sees the programmes given to them, pooled across member organisations.
ACCOUNT_ROLES = ("admin", "lead", "researcher", "coordinator")
#: What a single-use account link is for: a new account's first password, or a reset.
ACCOUNT_TOKEN_PURPOSES = ("invite", "reset")

account_firms = Table(
    "account_firms",
    Base.metadata,
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("firm_id", ForeignKey("firms.id", ondelete="CASCADE"), primary_key=True),
)

#: The programmes a coordinator may see (as a whole, pooled across its members).
account_programmes = Table(
    "account_programmes",
    Base.metadata,
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True),
)


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint(sql_in("role", ACCOUNT_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: argon2id; None for an invited account without a password yet, or an SSO-only one.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Moved by logout, a password change and deactivation: a signed-in cookie carries
    #: the version it was issued under and is refused once the account's has moved.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    def end_sessions(self) -> None:
        """Sign this account out everywhere (every cookie issued so far stops working)."""
        self.session_version = (self.session_version or 1) + 1

    #: The OpenID provider's ``iss`` and ``sub`` once the account signed in with SSO.
    sso_issuer: Mapped[str | None] = mapped_column(String(255))
    sso_subject: Mapped[str | None] = mapped_column(String(255))

    #: Firms a lead or researcher may see; admins see all.
    firms: Mapped[list[Firm]] = relationship(secondary=account_firms)
    #: Programmes a coordinator may see, pooled across their member organisations.
    programmes: Mapped[list[Programme]] = relationship(secondary=account_programmes)


@event.listens_for(Account.password_hash, "set", active_history=True)
def _password_changed(target: Account, value: str, old: object, _initiator: object) -> None:
    """A new password ends every session opened with the old one, whoever sets it."""
    if isinstance(old, str) and old != value:
        target.end_sessions()


@event.listens_for(Account.active, "set", active_history=True)
def _deactivated(target: Account, value: bool, old: object, _initiator: object) -> None:
    """Deactivating an account ends its sessions (reactivating does not revive them)."""
    if old is True and not value:
        target.end_sessions()


class ApiToken(Base):
    """A bearer token for the JSON API, acting as its account.

    The token is shown once when created; only its SHA-256 is kept, so a copy
    of the database cannot be used to call the API. Revoking sets
    ``revoked_at``; the row stays so the list of tokens remains an audit trail.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("length(token_hash) = 64", name="token_hash_is_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    #: What the token is for, e.g. "HR sync" (chosen by its owner).
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()


class AccountToken(Base):
    """A single-use link to set a password (an invitation or a reset), valid until expiry.

    Only the SHA-256 of the token is kept (as for survey tokens), so the database
    alone cannot be used to take over an account; ``used_at`` makes it single-use.
    """

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(sql_in("purpose", ACCOUNT_TOKEN_PURPOSES), name="purpose"),
        CheckConstraint("length(token_hash) = 64", name="token_hash_is_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountAudit(Base):
    """Who signed in, and who created, invited, changed, deactivated or deleted which account.

    No foreign keys on purpose (like ``export_audit``): the row outlives the account.
    """

    __tablename__ = "account_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: e.g. "signed_in", "created", "role_changed", "deactivated", "deleted", "password_set".
    action: Mapped[str] = mapped_column(String(24))
    account_id: Mapped[int | None] = mapped_column(Integer)
    account_email: Mapped[str] = mapped_column(String(254))
    #: Who did it: None for the command line or the account itself.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_email: Mapped[str | None] = mapped_column(String(254))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class FirmSso(Base):
    """A firm's OpenID Connect provider: who may sign in with it, and how new staff are made.

    The client secret is kept sealed (``surveys.services.sso``) under a key derived
    from SECRET_KEY; it is never shown again once saved.
    """

    __tablename__ = "firm_sso"
    __table_args__ = (
        CheckConstraint(sql_in("default_role", ("lead", "researcher")), name="default_role"),
    )

    firm_id: Mapped[int] = mapped_column(
        ForeignKey("firms.id", ondelete="CASCADE"), primary_key=True
    )
    #: Shown on the sign-in button: "Sign in with <provider_name>".
    provider_name: Mapped[str] = mapped_column(String(60))
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_sealed: Mapped[str] = mapped_column(Text)
    #: Lower-case e-mail domains whose addresses may sign in, e.g. ["harcourt-vale.example"].
    allowed_domains: Mapped[list[str]] = mapped_column(JSON)
    auto_provision: Mapped[bool] = mapped_column(Boolean, default=False)
    default_role: Mapped[str] = mapped_column(String(12), default="researcher")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
