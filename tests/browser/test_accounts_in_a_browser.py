"""Staff accounts end to end in Chromium: the first admin from the command line, an invitation,
a password reset, a deactivation, and single sign-on against a real OpenID provider.

The set-password links come from where a real installation puts them: the
command's output, or the e-mail written to the instance's mail folder (no
SMTP_URL). The OpenID provider is node-oidc-provider started on loopback
(tests/support/oidc_provider.py); the browser signs in on its own login and
consent pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from surveys.db.models import Account, AccountAudit
from surveys.db.session import Database
from surveys.services.accounts import create_account, find_account, new_account
from surveys.services.sso import SsoSettings, save_sso
from tests.browser.conftest import _missing, axe_violations, screenshot
from tests.support import factories as f
from tests.support import oidc_provider

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new staple battery"
LINK = re.compile(r"https?://\S+/auth/set-password/[\w-]+")


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Callable[[], Any]]:
    """Open fresh pages, each in its own context (its own cookies: its own person)."""
    contexts: list[Any] = []

    def new_page(bypass_csp: bool = False) -> Any:
        """``bypass_csp`` only to inject the axe-core script; SSO runs under the real CSP."""
        context = chromium.new_context(
            viewport={"width": 1280, "height": 900}, bypass_csp=bypass_csp
        )
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


def mailed_link(mail_dir: Path, to: str) -> str:
    """The set-password link of the newest e-mail to ``to`` in the mail folder."""
    mails = sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    for path in reversed(mails):
        message = message_from_bytes(path.read_bytes())
        if message["To"] == to:
            found = LINK.search(message.get_payload(decode=True).decode())  # type: ignore[union-attr]
            assert found
            return found.group(0)
    raise AssertionError(f"no e-mail to {to} in {mail_dir}")


def sign_in(page: Any, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/auth/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def choose_password(page: Any, link: str, password: str) -> None:
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password again").fill(password)
    page.get_by_role("button", name="Save the password").click()
    page.wait_for_url(re.compile(r".*/auth/login$"))


def test_the_first_admin_comes_from_the_command_line_and_signs_in(
    sqlite_db: Database, live_server: tuple[str, Callable[..., Any]], browser_context: Any
) -> None:
    from webapp import create_app

    base_url, configure = live_server
    app = create_app({"FLIPSIDE_DATABASE": sqlite_db}, settings=configure())
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--role", "admin", "--email", "first@firm.example"]
    )
    assert result.exit_code == 0, result.output
    link = LINK.search(result.output)
    assert link and link.group(0).startswith(base_url)
    page = browser_context(bypass_csp=True)
    page.goto(link.group(0))
    assert axe_violations(page) == []
    choose_password(page, link.group(0), PASSWORD)
    assert "Your password is set" in page.get_by_role("status").inner_text()
    sign_in(page, base_url, "first@firm.example", PASSWORD)
    page.wait_for_url(f"{base_url}/dashboard/")
    page.goto(f"{base_url}/admin/accounts")
    assert page.get_by_role("heading", name="Staff accounts").is_visible()
    screenshot(page, "accounts-first-admin")
    assert axe_violations(page) == []
    # The link was single-use.
    assert page.goto(link.group(0)).status == 410
    with sqlite_db.sessions() as session:
        actions = session.scalars(select(AccountAudit.action).order_by(AccountAudit.id)).all()
    assert actions == ["created", "invited", "password_set", "signed_in"]


def test_invite_set_password_reset_and_deactivate(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    browser_context: Any,
    stub_worker: Any,
) -> None:
    from tests.integration.test_mail_flow import drain

    base_url, configure = live_server
    settings = configure()
    with sqlite_db.transaction() as session:
        firm = f.firm(session, name="Harcourt Vale", slug="harcourt-vale")
        create_account(session, "admin@firm.example", PASSWORD, "admin")
        firm_name = firm.name
    admin = browser_context()
    sign_in(admin, base_url, "admin@firm.example", PASSWORD)
    admin.goto(f"{base_url}/admin/accounts")
    admin.get_by_label("E-mail address").fill("rita@harcourt-vale.example")
    admin.locator("#new-role").select_option("researcher")
    admin.locator("#new-firms").select_option(label=firm_name)
    admin.get_by_role("button", name="Invite").click()
    assert (
        "was sent to rita@harcourt-vale.example" in admin.get_by_role("status").first.inner_text()
    )

    # Invitation -> set password -> sign in.
    rita = browser_context()
    choose_password(rita, mailed_link(settings.mail_dir, "rita@harcourt-vale.example"), PASSWORD)
    sign_in(rita, base_url, "rita@harcourt-vale.example", PASSWORD)
    rita.wait_for_url(f"{base_url}/dashboard/")

    # Forgotten password -> reset link by e-mail -> the new password works, the old does not.
    stranger = browser_context()
    stranger.goto(f"{base_url}/auth/login")
    stranger.get_by_role("link", name="Forgot your password?").click()
    stranger.get_by_label("E-mail address").fill("rita@harcourt-vale.example")
    stranger.get_by_role("button", name="Send the link").click()
    assert "If that address has a Flipside account" in stranger.get_by_role("status").inner_text()
    drain()  # a worker issues and mails the reset link (surveys.services.resets)
    choose_password(
        stranger, mailed_link(settings.mail_dir, "rita@harcourt-vale.example"), NEW_PASSWORD
    )
    sign_in(stranger, base_url, "rita@harcourt-vale.example", PASSWORD)
    assert "do not match" in stranger.get_by_role("status").inner_text()
    sign_in(stranger, base_url, "rita@harcourt-vale.example", NEW_PASSWORD)
    stranger.wait_for_url(f"{base_url}/dashboard/")

    # Deactivated: the signed-in session is refused and signing in again is too.
    admin.goto(f"{base_url}/admin/accounts")
    admin.get_by_role("button", name="Deactivate rita@harcourt-vale.example").click()
    assert "is deactivated" in admin.get_by_role("status").first.inner_text()
    rita.goto(f"{base_url}/dashboard/")
    assert "/auth/login" in rita.url
    sign_in(rita, base_url, "rita@harcourt-vale.example", NEW_PASSWORD)
    assert "do not match" in rita.get_by_role("status").inner_text()
    with sqlite_db.sessions() as session:
        account = find_account(session, "rita@harcourt-vale.example")
        assert account is not None and not account.active
        assert [f.slug for f in account.firms] == ["harcourt-vale"]


# --- Single sign-on against a real OpenID provider -------------------------------------------

PROVIDER_USERS = {
    "ada@aardvark.example": {"email": "ada@aardvark.example", "email_verified": True},
    "new@aardvark.example": {"email": "new@aardvark.example", "email_verified": True},
    "eve@elsewhere.example": {"email": "eve@elsewhere.example", "email_verified": True},
}


@pytest.fixture
def provider(
    live_server: tuple[str, Callable[..., Any]], tmp_path: Path
) -> Iterator[oidc_provider.Provider]:
    missing = oidc_provider.available()
    if missing:
        _missing(missing)
    base_url, _ = live_server
    started = oidc_provider.start(tmp_path, f"{base_url}/auth/sso/callback", PROVIDER_USERS)
    yield started
    started.stop()


def sso_firm(db: Database, issuer: str, secret_key: str, auto_provision: bool) -> None:
    with db.transaction() as session:
        firm = f.firm(session, name="Aardvark Legal", slug="aardvark")
        values = SsoSettings(
            provider_name="Aardvark ID",
            issuer=issuer,
            client_id=oidc_provider.CLIENT_ID,
            client_secret=oidc_provider.CLIENT_SECRET,
            allowed_domains=["aardvark.example"],
            auto_provision=auto_provision,
            default_role="researcher",
        )
        save_sso(session, firm.id, values, secret_key, None)
        new_account(session, "ada@aardvark.example", "lead", [firm])


def sso_sign_in(page: Any, base_url: str, login: str, firm: str | None = None) -> Any:
    """Find the provider (by e-mail, or the firm's page), sign in there, come back; the
    response of the callback."""
    if firm:
        page.goto(f"{base_url}/auth/sso?firm={firm}")
    else:
        page.goto(f"{base_url}/auth/login")
        page.get_by_role("link", name="Sign in with your firm's single sign-on").click()
        page.get_by_label("Your work e-mail address").fill(login)
        page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Sign in with Aardvark ID").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("anything")
    with page.expect_navigation():
        page.locator("button[type=submit]").click()
    back = re.compile(re.escape(base_url) + ".*")
    if not back.match(page.url):  # the provider's consent page
        with page.expect_response(re.compile(r".*/auth/sso/callback.*")) as callback:
            page.locator("button[type=submit]").click()
        page.wait_for_load_state()
        return callback.value
    raise AssertionError(f"the provider asked for no consent: {page.url}")


def test_sso_links_an_invited_account_and_refuses_unknown_and_foreign_addresses(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    provider: oidc_provider.Provider,
    browser_context: Any,
) -> None:
    base_url, configure = live_server
    settings = configure()
    sso_firm(sqlite_db, provider.issuer, settings.secret_key, auto_provision=False)

    page = browser_context()
    response = sso_sign_in(page, base_url, "ada@aardvark.example")
    assert response.status == 302
    page.wait_for_url(f"{base_url}/dashboard/")
    screenshot(page, "sso-signed-in")
    with sqlite_db.sessions() as session:
        ada = find_account(session, "ada@aardvark.example")
        assert ada is not None and ada.sso_subject == "ada@aardvark.example"
        assert ada.sso_issuer == provider.issuer and ada.password_hash is None
        assert session.scalar(
            select(AccountAudit.detail).where(AccountAudit.action == "signed_in")
        ) == {"method": "sso", "firm": "aardvark"}

    unknown = browser_context()
    response = sso_sign_in(unknown, base_url, "new@aardvark.example")
    assert response.status == 403
    assert "There is no Flipside account for new@aardvark.example" in unknown.content()

    foreign = browser_context()
    foreign.goto(f"{base_url}/auth/sso?email=eve@elsewhere.example")
    assert "No single sign-on is set up for that address" in foreign.content()
    response = sso_sign_in(foreign, base_url, "eve@elsewhere.example", firm="aardvark")
    assert response.status == 403
    assert "only addresses at aardvark.example are" in foreign.content()
    with sqlite_db.sessions() as session:
        emails = session.scalars(select(Account.email)).all()
    assert sorted(emails) == ["ada@aardvark.example"]


def test_sso_provisions_a_new_account_when_the_firm_allows_it(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    provider: oidc_provider.Provider,
    browser_context: Any,
) -> None:
    base_url, configure = live_server
    settings = configure()
    sso_firm(sqlite_db, provider.issuer, settings.secret_key, auto_provision=True)
    page = browser_context()
    assert sso_sign_in(page, base_url, "new@aardvark.example").status == 302
    page.wait_for_url(f"{base_url}/dashboard/")
    with sqlite_db.sessions() as session:
        new = find_account(session, "new@aardvark.example")
        assert new is not None and new.role == "researcher"
        assert [f.slug for f in new.firms] == ["aardvark"] and new.password_hash is None


def test_a_tampered_state_is_refused(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    provider: oidc_provider.Provider,
    browser_context: Any,
) -> None:
    base_url, configure = live_server
    settings = configure()
    sso_firm(sqlite_db, provider.issuer, settings.secret_key, auto_provision=True)
    page = browser_context()
    page.goto(f"{base_url}/auth/sso?firm=aardvark")
    page.get_by_role("link", name="Sign in with Aardvark ID").click()
    page.wait_for_url(re.compile(re.escape(provider.issuer) + ".*"))
    response = page.goto(f"{base_url}/auth/sso/callback?code=stolen-code&state=tampered")
    assert response.status == 400
    assert "its state does not match" in page.content()
    page.goto(f"{base_url}/dashboard/")
    assert "/auth/login" in page.url
