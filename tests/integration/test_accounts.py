"""Staff accounts through the pages, the API and the rules: invitations, roles, deactivation,
deletion, single-use expiring links, the audit log, SSO settings, and the ID-token checks."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select, update

from surveys.db.models import Account, AccountAudit, AccountToken, Firm, FirmSso
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.services.accounts import create_account, find_account, new_account
from surveys.services.api_tokens import create_api_token
from surveys.services.errors import Conflict
from surveys.services.sso import open_secret
from surveys.services.staff import issue_link, set_active, token_hash
from tests.integration.test_admin_pages import PASSWORD, csrf, sign_in
from tests.support import factories as f
from webapp.auth import oidc


def _admin(db: Database) -> int:
    with db.transaction() as session:
        f.firm(session, name="Harcourt Vale", slug="harcourt-vale")
        return create_account(session, "admin@example.com", PASSWORD, "admin").id


def test_an_admin_invites_changes_deactivates_and_deletes_on_the_page(
    client: FlaskClient, sqlite_db: Database, app: Flask
) -> None:
    _admin(sqlite_db)
    sign_in(client, "admin@example.com")
    token = csrf(client, "/admin/accounts")
    response = client.post(
        "/admin/accounts",
        data={
            "new-email": "Lee@Example.com",
            "new-role": "lead",
            "new-firms": "harcourt-vale",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    mails = list(app.config["FLIPSIDE"].mail_dir.glob("*.eml"))
    assert len(mails) == 1 and b"/auth/set-password/" in mails[0].read_bytes()
    with sqlite_db.sessions() as session:
        lee = find_account(session, "lee@example.com")
        assert lee is not None and lee.password_hash is None and lee.role == "lead"
        lee_id = lee.id
    # A lead needs a firm; the missing field is an error, not "no firms".
    response = client.post(
        f"/admin/accounts/{lee_id}/role",
        data={f"a{lee_id}-role": "researcher", "csrf_token": token},
    )
    assert response.status_code == 303
    with sqlite_db.sessions() as session:
        assert session.get(Account, lee_id).role == "lead"  # type: ignore[union-attr]
    client.post(
        f"/admin/accounts/{lee_id}/role",
        data={
            f"a{lee_id}-role": "researcher",
            f"a{lee_id}-firms": "harcourt-vale",
            "csrf_token": token,
        },
    )
    # Deactivation needs its value; a CSRF-only POST changes nothing.
    assert (
        client.post(f"/admin/accounts/{lee_id}/active", data={"csrf_token": token}).status_code
        == 400
    )
    client.post(f"/admin/accounts/{lee_id}/active", data={"active": "no", "csrf_token": token})
    # Deleting needs the confirmation box.
    client.post(f"/admin/accounts/{lee_id}/delete", data={"csrf_token": token})
    with sqlite_db.sessions() as session:
        lee = session.get(Account, lee_id)
        assert lee is not None and lee.role == "researcher" and not lee.active
    client.post(f"/admin/accounts/{lee_id}/delete", data={"confirm": "y", "csrf_token": token})
    with sqlite_db.sessions() as session:
        assert session.get(Account, lee_id) is None
        actions = session.scalars(
            select(AccountAudit.action).where(AccountAudit.account_email == "lee@example.com")
        ).all()
    assert actions == ["created", "invited", "role_changed", "deactivated", "deleted"]


def test_only_admins_reach_the_accounts_page(client: FlaskClient, sqlite_db: Database) -> None:
    with sqlite_db.transaction() as session:
        firm = f.firm(session)
        create_account(session, "lead@example.com", PASSWORD, "lead", [firm])
    sign_in(client, "lead@example.com")
    assert client.get("/admin/accounts").status_code == 403
    assert client.post("/admin/accounts", data={}).status_code in (400, 403)


def test_the_last_admin_stays(sqlite_db: Database) -> None:
    admin_id = _admin(sqlite_db)
    with sqlite_db.transaction() as session, pytest.raises(Conflict):
        set_active(session, session.get(Account, admin_id), False, None)  # type: ignore[arg-type]


def test_a_link_is_single_use_expires_and_is_stored_hashed(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        account = new_account(session, "new@example.com", "admin", [])
        issued = issue_link(session, account, "invite")
        older = issue_link(session, account, "invite")  # retires the first
        stored = session.scalars(select(AccountToken.token_hash)).all()
    assert token_hash(older.secret) in stored and older.secret not in stored
    assert client.get(f"/auth/set-password/{issued.secret}").status_code == 410
    page = f"/auth/set-password/{older.secret}"
    data = {"password": PASSWORD, "confirm": PASSWORD, "csrf_token": csrf(client, page)}
    assert client.post(page, data=data).status_code == 303
    assert client.post(page, data=data).status_code == 410
    with sqlite_db.transaction() as session:
        account = find_account(session, "new@example.com")
        assert account is not None
        expired = issue_link(session, account, "reset")
        session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get(f"/auth/set-password/{expired.secret}").status_code == 410


def test_reset_answers_the_same_for_unknown_addresses(
    client: FlaskClient, sqlite_db: Database, app: Flask, stub_worker: Any
) -> None:
    from tests.integration.test_mail_flow import drain

    _admin(sqlite_db)
    token = csrf(client, "/auth/reset")
    known = client.post("/auth/reset", data={"email": "admin@example.com", "csrf_token": token})
    unknown = client.post("/auth/reset", data={"email": "nobody@example.com", "csrf_token": token})
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    drain()  # the link is issued and mailed by a worker (surveys.services.resets)
    assert len(list(app.config["FLIPSIDE"].mail_dir.glob("*.eml"))) == 1


def test_password_change_needs_the_current_password(
    client: FlaskClient, sqlite_db: Database
) -> None:
    _admin(sqlite_db)
    sign_in(client, "admin@example.com")
    token = csrf(client, "/auth/password")
    new = "another long password"
    wrong = {"current": "wrong", "password": new, "confirm": new, "csrf_token": token}
    assert client.post("/auth/password", data=wrong).status_code == 422
    right = {**wrong, "current": PASSWORD}
    assert client.post("/auth/password", data=right).status_code == 303
    with sqlite_db.sessions() as session:
        assert session.scalar(
            select(AccountAudit.id).where(AccountAudit.action == "password_changed")
        )


def test_the_api_provisions_accounts_for_admin_tokens_only(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        firm = f.firm(session, slug="harcourt-vale")
        admin = create_account(session, "admin@example.com", PASSWORD, "admin")
        lead = create_account(session, "lead@example.com", PASSWORD, "lead", [firm])
        admin_token = create_api_token(session, admin.id, "provisioning").secret
        lead_token = create_api_token(session, lead.id, "x").secret
    auth = {"Authorization": f"Bearer {admin_token}"}
    body = {"email": "r@example.com", "role": "researcher", "firms": ["harcourt-vale"]}
    created = client.post("/api/v1/accounts", json=body, headers=auth)
    assert created.status_code == 201
    account = created.get_json()["account"]
    assert account["state"] == "invited" and account["firms"] == ["harcourt-vale"]
    assert client.post("/api/v1/accounts", json=body, headers=auth).status_code == 409
    bad = {**body, "email": "x@example.com", "firms": []}
    assert client.post("/api/v1/accounts", json=bad, headers=auth).status_code == 422
    changed = client.patch(
        f"/api/v1/accounts/{account['id']}", json={"active": False}, headers=auth
    )
    assert changed.get_json()["account"]["state"] == "deactivated"
    assert client.get("/api/v1/accounts", headers=auth).status_code == 200
    lead_auth = {"Authorization": f"Bearer {lead_token}"}
    assert client.get("/api/v1/accounts", headers=lead_auth).status_code == 403


def test_sso_settings_are_saved_with_the_secret_sealed_and_never_shown(
    client: FlaskClient, sqlite_db: Database, app: Flask
) -> None:
    _admin(sqlite_db)
    with sqlite_db.sessions() as session:
        firm_id = session.scalars(select(Firm.id).where(Firm.slug == "harcourt-vale")).one()
    sign_in(client, "admin@example.com")
    page = f"/admin/firms/{firm_id}"
    data = {
        "sso-provider_name": "Okta",
        "sso-issuer": "https://harcourt.okta.example",
        "sso-client_id": "flipside",
        "sso-client_secret": "the-client-secret-value",
        "sso-allowed_domains": "harcourt-vale.example, hv.example",
        "sso-auto_provision": "no",
        "sso-default_role": "researcher",
        "csrf_token": csrf(client, page),
    }
    assert client.post(f"{page}/sso", data=data).status_code == 303
    shown = client.get(page).data
    assert b"the-client-secret-value" not in shown and b"Okta" in shown
    with sqlite_db.sessions() as session:
        config = session.get(FirmSso, firm_id)
        assert config is not None and "the-client-secret" not in config.client_secret_sealed
        secret_key = app.config["FLIPSIDE"].secret_key
        assert open_secret(secret_key, config.client_secret_sealed) == "the-client-secret-value"
        assert config.allowed_domains == ["harcourt-vale.example", "hv.example"]
    # A missing field is an error, not "off".
    del data["sso-auto_provision"]
    assert client.post(f"{page}/sso", data=data).status_code == 422
    assert re.search(rb"Sign in with Okta", client.get("/auth/sso?firm=harcourt-vale").data)


# --- The ID token's checks (a token signed by a key of our own, as a provider would) --------

KEY = RSAKey.generate_key(2048, private=True, parameters={"kid": "k1"})
META = {"issuer": "https://idp.example", "jwks_uri": "https://idp.example/jwks"}


def _token(key: Any = KEY, **claims: Any) -> str:
    now = int(time.time())
    base = {
        "iss": "https://idp.example",
        "aud": "client",
        "sub": "u1",
        "exp": now + 300,
        "iat": now,
        "nonce": "n1",
    }
    return jwt.encode({"alg": "RS256", "kid": "k1"}, {**base, **claims}, key)


@pytest.fixture
def jwks(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = KeySet([KEY]).as_dict(private=False)
    monkeypatch.setattr(oidc, "fetch_json", lambda url: keys)
    oidc.forget_providers()


@pytest.mark.usefixtures("jwks")
@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "https://evil.example"},
        {"aud": "another-client"},
        {"exp": int(time.time()) - 3600},
        {"nonce": "replayed"},
    ],
)
def test_an_id_token_failing_a_check_is_refused(claims: dict[str, Any]) -> None:
    assert oidc.verify_id_token(META, "client", _token(), "n1")["sub"] == "u1"
    with pytest.raises(oidc.OidcError):
        oidc.verify_id_token(META, "client", _token(**claims), "n1")


@pytest.mark.usefixtures("jwks")
def test_an_id_token_signed_by_another_key_is_refused() -> None:
    other = RSAKey.generate_key(2048, private=True, parameters={"kid": "k1"})
    with pytest.raises(oidc.OidcError, match="signature"):
        oidc.verify_id_token(META, "client", _token(other), "n1")
