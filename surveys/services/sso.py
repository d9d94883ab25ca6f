"""Single sign-on with OpenID Connect: each firm's provider, and who may sign in with it.

A firm's configuration names its issuer, the client id and secret Flipside was
given there, the e-mail domains whose addresses may sign in, and whether an
unknown address gets an account (with a default role, scoped to the firm).
The client secret is sealed with a key derived from SECRET_KEY (NaCl
SecretBox), so a copy of the database alone does not reveal it, and no page
or command shows it again once saved. The protocol itself (the authorization
code flow with PKCE, state, nonce and ID-token checks) is :mod:`webapp.auth.sso`;
this module decides what a verified identity may do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Account, Firm, FirmSso
from surveys.services.accounts import find_account, new_account
from surveys.services.errors import Invalid, NotFound, ServiceError
from surveys.services.staff import audit

_CONTEXT = b"flipside/sso-client-secret/v1"
SSO_ROLES = ("lead", "researcher")


class SsoRefused(ServiceError):
    """A verified identity that may not sign in here; the message says why, in one sentence."""

    status = 403


@dataclass(frozen=True)
class SsoSettings:
    """What an administrator enters for a firm's provider (``client_secret`` None: keep it)."""

    provider_name: str
    issuer: str
    client_id: str
    client_secret: str | None
    allowed_domains: list[str]
    auto_provision: bool = False
    default_role: str = "researcher"
    enabled: bool = True


def _box(secret_key: str) -> SecretBox:
    return SecretBox(hmac.new(secret_key.encode(), _CONTEXT, hashlib.sha256).digest())


def seal_secret(secret_key: str, secret: str) -> str:
    return base64.b64encode(bytes(_box(secret_key).encrypt(secret.encode()))).decode()


def open_secret(secret_key: str, sealed: str) -> str:
    """The client secret; ServiceError when SECRET_KEY changed since it was saved."""
    try:
        return _box(secret_key).decrypt(base64.b64decode(sealed)).decode()
    except (CryptoError, ValueError) as exc:
        raise ServiceError(
            "the single sign-on client secret cannot be read (was SECRET_KEY changed?): "
            "an administrator has to enter it again"
        ) from exc


def parse_domains(text: str) -> list[str]:
    """Domains from a comma- or space-separated list, lower case, without '@'."""
    domains = [d.strip().lower().lstrip("@") for d in text.replace(",", " ").split()]
    for domain in domains:
        if "." not in domain or "/" in domain or "@" in domain:
            raise Invalid(f"{domain!r} is not an e-mail domain (e.g. harcourt-vale.com)")
    return list(dict.fromkeys(domains))


def save_sso(
    session: Session, firm_id: int, values: SsoSettings, secret_key: str, actor: Account | None
) -> FirmSso:
    """Create or replace the firm's OpenID Connect configuration."""
    firm = session.get(Firm, firm_id)
    if firm is None:
        raise NotFound(f"there is no firm {firm_id}")
    issuer = values.issuer.strip().rstrip("/")
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Invalid("the issuer is the provider's https:// address (its OpenID issuer URL)")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise Invalid("the issuer must use https:// (plain http only on this machine)")
    if not values.client_id.strip():
        raise Invalid("please give the client id")
    if not values.allowed_domains:
        raise Invalid("please give at least one allowed e-mail domain")
    if values.default_role not in SSO_ROLES:
        raise Invalid(f"the default role must be one of {', '.join(SSO_ROLES)}")
    config = session.get(FirmSso, firm_id)
    if config is None:
        if not values.client_secret:
            raise Invalid("please give the client secret")
        config = FirmSso(firm_id=firm_id)
        session.add(config)
    if values.client_secret:
        config.client_secret_sealed = seal_secret(secret_key, values.client_secret)
    config.provider_name = values.provider_name.strip()[:60] or "your identity provider"
    config.issuer = issuer
    config.client_id = values.client_id.strip()
    config.allowed_domains = list(values.allowed_domains)
    config.auto_provision = values.auto_provision
    config.default_role = values.default_role
    config.enabled = values.enabled
    if actor is not None:
        audit(session, "sso_configured", actor, actor, firm=firm.slug, issuer=issuer)
    session.flush()
    return config


def sso_for_firm(session: Session, slug: str) -> tuple[Firm, FirmSso] | None:
    """The firm with slug ``slug`` and its enabled provider, or None."""
    row = session.execute(
        select(Firm, FirmSso).join(FirmSso).where(Firm.slug == slug, FirmSso.enabled.is_(True))
    ).first()
    return (row[0], row[1]) if row else None


def sso_for_email(session: Session, email: str) -> tuple[Firm, FirmSso] | None:
    """The firm whose enabled provider accepts ``email``'s domain, or None."""
    domain = email.strip().lower().rpartition("@")[2]
    if not domain:
        return None
    rows = session.execute(
        select(Firm, FirmSso).join(FirmSso).where(FirmSso.enabled.is_(True)).order_by(Firm.id)
    ).all()
    for firm, config in rows:
        if domain in config.allowed_domains:
            return firm, config
    return None


def sso_sign_in(
    session: Session, firm: Firm, config: FirmSso, issuer: str, subject: str, email: str
) -> Account:
    """The account a verified identity signs in as (found, linked or provisioned); SsoRefused."""
    email = email.strip().lower()
    domain = email.rpartition("@")[2]
    if not email or domain not in config.allowed_domains:
        raise SsoRefused(
            f"{email or 'This identity'} is not allowed to sign in with {firm.name}'s single "
            f"sign-on: only addresses at {', '.join(config.allowed_domains)} are."
        )
    account = find_account(session, email)
    if account is None:
        if not config.auto_provision:
            raise SsoRefused(
                f"There is no Flipside account for {email}. Ask an administrator to invite you."
            )
        firms = [firm]
        account = new_account(session, email, config.default_role, firms)
        audit(session, "created", account, None, via="sso", firm=firm.slug, role=account.role)
    if not account.active:
        raise SsoRefused("This account is deactivated. Ask an administrator.")
    if account.sso_subject is None:
        account.sso_issuer, account.sso_subject = issuer, subject
        audit(session, "sso_linked", account, None, issuer=issuer)
    elif (account.sso_issuer, account.sso_subject) != (issuer, subject):
        raise SsoRefused(
            f"{email} is linked to another single sign-on identity. Ask an administrator."
        )
    audit(session, "signed_in", account, account, method="sso", firm=firm.slug)
    session.flush()
    return account
