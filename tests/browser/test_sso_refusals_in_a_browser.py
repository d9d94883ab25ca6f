"""Issue 26: single sign-on against the real node-oidc-provider refuses, with a clear page, an
ID token for another audience, an expired ID token, a replayed state, a replayed nonce and
an e-mail address the provider has not verified. The bad tokens are issued and signed by
the provider itself (tests/browser/oidc/provider.mjs ``tamper``), as a misconfigured or
compromised provider would issue them; nobody ends up signed in."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest

from surveys.db.session import Database
from tests.browser.conftest import _missing
from tests.browser.test_accounts_in_a_browser import (
    PROVIDER_USERS,
    browser_context,  # noqa: F401 - fixture
    sso_firm,
    sso_sign_in,
)
from tests.support import oidc_provider

pytestmark = pytest.mark.browser
USERS = {
    **PROVIDER_USERS,
    "una@aardvark.example": {"email": "una@aardvark.example", "email_verified": False},
}


@pytest.fixture
def start_provider(
    live_server: tuple[str, Callable[..., Any]], tmp_path: Path
) -> Iterator[Callable[..., oidc_provider.Provider]]:
    missing = oidc_provider.available()
    if missing:
        _missing(missing)
    base_url, _ = live_server
    started: list[oidc_provider.Provider] = []

    def start(**tamper: Any) -> oidc_provider.Provider:
        provider = oidc_provider.start(
            tmp_path, f"{base_url}/auth/sso/callback", USERS, tamper=tamper
        )
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.stop()


def setup(sqlite_db: Database, live_server: tuple[str, Callable[..., Any]], provider: Any) -> str:
    base_url, configure = live_server
    settings = configure()
    from webapp.auth.oidc import forget_providers

    forget_providers()
    sso_firm(sqlite_db, provider.issuer, settings.secret_key, auto_provision=True)
    return base_url


def assert_signed_out(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/dashboard/")
    assert "/auth/login" in page.url


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        ({"audience": "another-app"}, "issued to another application, not to Flipside"),
        ({"clockSkewSeconds": -7200}, "The ID token has expired"),
    ],
    ids=["wrong-audience", "expired"],
)
def test_a_bad_id_token_from_the_real_provider_is_refused(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    start_provider: Callable[..., Any],
    browser_context: Any,  # noqa: F811
    tamper: dict[str, Any],
    says: str,
) -> None:
    base_url = setup(sqlite_db, live_server, start_provider(**tamper))
    page = browser_context()
    response = sso_sign_in(page, base_url, "ada@aardvark.example")
    assert response.status == 400
    assert says in page.content()
    assert_signed_out(page, base_url)


def test_an_e_mail_address_the_provider_has_not_verified_is_refused(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    start_provider: Callable[..., Any],
    browser_context: Any,  # noqa: F811
) -> None:
    base_url = setup(sqlite_db, live_server, start_provider())
    page = browser_context()
    response = sso_sign_in(page, base_url, "una@aardvark.example")
    assert response.status == 400
    assert "has not verified this e-mail address" in page.content()
    assert_signed_out(page, base_url)


def test_a_replayed_callback_is_refused_by_its_state(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    start_provider: Callable[..., Any],
    browser_context: Any,  # noqa: F811
) -> None:
    base_url = setup(sqlite_db, live_server, start_provider())
    page = browser_context()
    response = sso_sign_in(page, base_url, "ada@aardvark.example")
    assert response.status == 302
    callback = response.url
    # The same browser again (its flow is used up), and another browser (it has none).
    for replayer in (page, browser_context()):
        replayer.context.clear_cookies()
        answer = replayer.goto(callback)
        assert answer.status == 400
        assert "its state does not match" in replayer.content()
        assert_signed_out(replayer, base_url)


def test_an_old_sign_ins_nonce_is_refused(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    start_provider: Callable[..., Any],
    browser_context: Any,  # noqa: F811
) -> None:
    """An authorization that carries an earlier sign-in's nonce, completed in this sign-in's
    flow (its state is right): the provider puts the old nonce in the ID token."""
    provider = start_provider()
    base_url = setup(sqlite_db, live_server, provider)
    page = browser_context()
    first = sso_sign_in(page, base_url, "ada@aardvark.example")
    assert first.status == 302
    page.context.clear_cookies()
    with page.expect_request(re.compile(re.escape(provider.issuer) + "/auth.*")) as sent:
        page.goto(f"{base_url}/auth/sso?firm=aardvark")
        page.get_by_role("link", name="Sign in with Aardvark ID").click()
    authorize = urlsplit(sent.value.url)
    query = parse_qs(authorize.query)
    query["nonce"] = ["an-earlier-sign-ins-nonce-replayed-here"]
    page.goto(urlunsplit(authorize._replace(query=urlencode(query, doseq=True))))
    page.locator("input[name=login]").fill("ada@aardvark.example")
    page.locator("input[name=password]").fill("anything")
    with page.expect_navigation():
        page.locator("button[type=submit]").click()
    with page.expect_response(re.compile(r".*/auth/sso/callback.*")) as callback:
        page.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert callback.value.status == 400
    assert "does not belong to this sign-in (its nonce does not match)" in page.content()
    assert_signed_out(page, base_url)
