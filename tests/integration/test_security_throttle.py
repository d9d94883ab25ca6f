"""Issue 26: sign-in throttling that an attacker elsewhere cannot turn against a member of
staff. Each test is an attack; the owner's sign-in must still work where the design says so."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from surveys.db.session import Database
from surveys.services.accounts import create_account
from webapp.auth.devices import COOKIE

PASSWORD = "correct horse battery"
EMAIL = "lead@example.com"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


@pytest.fixture
def make_client(
    sqlite_db: Database, make_settings: Callable[..., Any]
) -> Callable[..., Callable[[], FlaskClient]]:
    """An app with the given limits; returns a factory of its test clients."""
    with sqlite_db.transaction() as session:
        create_account(session, EMAIL, PASSWORD, "lead")
        create_account(session, "other@example.com", PASSWORD, "lead")

    def build(**limits: Any) -> Callable[[], FlaskClient]:
        from webapp import create_app

        settings = make_settings(database_url=sqlite_db.url, **limits)
        app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)
        return app.test_client  # type: ignore[no-any-return]

    return build


def attempt(client: FlaskClient, address: str, email: str, password: str) -> int:
    page = client.get("/auth/login", environ_base={"REMOTE_ADDR": address})
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data)
    assert token
    response = client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": token.group(1).decode()},
        environ_base={"REMOTE_ADDR": address},
    )
    return response.status_code


def test_failures_from_one_address_do_not_slow_the_owner_elsewhere(
    make_client: Callable[..., Callable[[], FlaskClient]],
) -> None:
    new_client = make_client(login_limit_account_address="5 per minute")
    attacker = new_client()
    statuses = [attempt(attacker, ATTACKER, EMAIL, "guess guess!") for _ in range(12)]
    assert statuses == [401] * 5 + [429] * 7
    # The owner, on a browser that never signed in before, at their own address:
    assert attempt(new_client(), OWNER, EMAIL, PASSWORD) == 302


def test_guessing_spread_over_many_addresses_cannot_keep_the_owner_out(
    make_client: Callable[..., Callable[[], FlaskClient]],
) -> None:
    new_client = make_client(login_limit_account="10 per hour")
    owner = new_client()
    assert attempt(owner, OWNER, EMAIL, PASSWORD) == 302  # a known device from now on
    owner.post("/auth/logout")
    attacker = new_client()
    statuses = [attempt(attacker, f"203.0.113.{i}", EMAIL, "guess guess!") for i in range(1, 15)]
    assert statuses == [401] * 10 + [429] * 4, "the per-account limit slows the guessing"
    # A browser the owner never used is slowed too (the documented price)...
    assert attempt(new_client(), OWNER, EMAIL, PASSWORD) == 429
    # ...but the owner's own browser gets in, from any address.
    assert attempt(owner, OWNER, EMAIL, PASSWORD) == 302
    assert attempt(owner, "192.0.2.99", EMAIL, PASSWORD) == 302


def test_a_device_cookie_of_another_account_exempts_nothing(
    make_client: Callable[..., Callable[[], FlaskClient]],
) -> None:
    new_client = make_client(login_limit_account="3 per hour")
    insider = new_client()
    assert attempt(insider, ATTACKER, "other@example.com", PASSWORD) == 302
    assert insider.get_cookie(COOKIE, path="/auth/login") is not None
    statuses = [attempt(insider, ATTACKER, EMAIL, "guess guess!") for _ in range(5)]
    assert statuses == [401] * 3 + [429] * 2


def test_a_stolen_device_cookie_buys_only_a_few_guesses(
    make_client: Callable[..., Callable[[], FlaskClient]],
) -> None:
    new_client = make_client(login_limit_account_address="4 per minute")
    owner = new_client()
    assert attempt(owner, OWNER, EMAIL, PASSWORD) == 302
    cookie = owner.get_cookie(COOKIE, path="/auth/login")
    assert cookie is not None
    thief = new_client()
    thief.set_cookie(COOKIE, cookie.value, path="/auth/login")
    statuses = [attempt(thief, f"203.0.113.{i}", EMAIL, "guess guess!") for i in range(1, 8)]
    assert statuses == [401] * 4 + [429] * 3


def test_a_forged_device_cookie_is_no_device(
    make_client: Callable[..., Callable[[], FlaskClient]],
) -> None:
    new_client = make_client(login_limit_account="2 per hour")
    client = new_client()
    client.set_cookie(COOKIE, "eyJlIjoiYWJjIiwiZCI6Ing ifQ.forged.sig", path="/auth/login")
    statuses = [attempt(client, f"203.0.113.{i}", EMAIL, "guess guess!") for i in range(1, 5)]
    assert statuses == [401] * 2 + [429] * 2
