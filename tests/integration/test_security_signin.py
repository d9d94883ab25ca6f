"""Issue 14 probes on signing in: open redirects, lockout as a weapon, account enumeration,
sessions that outlive logout, a password change or deactivation, and timeouts."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask.testing import FlaskClient

from surveys.db.models import Account
from surveys.db.session import Database
from surveys.services.accounts import create_account, hash_password

PASSWORD = "correct horse battery"
EMAIL = "lead@example.com"


def make_app(db: Database, make_settings: Callable[..., Any], **settings: Any) -> Any:
    from webapp import create_app

    return create_app(
        {"TESTING": True, "FLIPSIDE_DATABASE": db},
        settings=make_settings(database_url=db.url, **settings),
    )


@pytest.fixture
def account_id(sqlite_db: Database) -> int:
    with sqlite_db.transaction() as session:
        return create_account(session, EMAIL, PASSWORD, "lead").id


def csrf(client: FlaskClient) -> str:
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/").data)
    if match is None:
        match = re.search(
            rb'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/auth/login").data
        )
    assert match
    return match.group(1).decode()


def login(client: FlaskClient, email: str, password: str, query: str = "") -> Any:
    token = csrf(client)
    return client.post(
        f"/auth/login{query}",
        data={"email": email, "password": password, "csrf_token": token},
    )


# --- next= -------------------------------------------------------------------------------

OFFSITE = [
    "/\t/evil.example/",  # the reported probe: the tab is dropped by the browser
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    "//evil.example/",
    " //evil.example/",
    "/%2F/evil.example/",
    "%2F%2Fevil.example/",
    "/%5Cevil.example/",
    "/%09/evil.example/",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("target", OFFSITE)
def test_next_never_leads_off_site(client: FlaskClient, account_id: int, target: str) -> None:
    response = login(client, EMAIL, PASSWORD, f"?next={quote(target, safe='')}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/dashboard/", location
    assert urlsplit(location).netloc == ""


def test_next_keeps_a_path_on_this_site(client: FlaskClient, account_id: int) -> None:
    response = login(client, EMAIL, PASSWORD, "?next=%2Fadmin%2Ffirms%3Fpage%3D2")
    assert response.headers["Location"] == "/admin/firms?page=2"


@pytest.mark.parametrize("target", ["/dashboard/\r\nSet-Cookie: x=1", "/x\n", "/%0d%0aX: 1"])
def test_a_line_break_in_next_is_a_clear_400(
    client: FlaskClient, account_id: int, target: str
) -> None:
    query = f"?next={quote(target, safe='')}"
    for response in (client.get(f"/auth/login{query}"), login(client, EMAIL, PASSWORD, query)):
        assert response.status_code == 400
        assert "The address to return to after signing in is not valid." in response.get_data(
            as_text=True
        )
        assert "Set-Cookie: x" not in str(response.headers)


# --- rate limits instead of a lockout -----------------------------------------------------


def test_the_right_password_works_again_once_the_backoff_has_passed(
    sqlite_db: Database, make_settings: Callable[..., Any], account_id: int
) -> None:
    app = make_app(sqlite_db, make_settings, login_limit_account="3 per 8 seconds")
    client = app.test_client()
    assert [login(client, EMAIL, "wrong password!").status_code for _ in range(3)] == [401] * 3
    refused = login(client, EMAIL, PASSWORD)
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 8
    time.sleep(wait + 1)
    assert login(client, EMAIL, PASSWORD).status_code == 302


def body_of(response: Any, email: str) -> str:
    text: str = response.get_data(as_text=True)
    text = text.replace(email, "EMAIL")
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", text)


def test_unknown_and_known_accounts_get_the_same_answer(
    sqlite_db: Database, make_settings: Callable[..., Any], account_id: int
) -> None:
    app = make_app(sqlite_db, make_settings, login_limit_account="3 per minute")
    known, unknown = app.test_client(), app.test_client()
    for _ in range(3):
        a = login(known, EMAIL, "wrong password!")
        b = login(unknown, "nobody@example.com", "wrong password!")
        assert (a.status_code, body_of(a, EMAIL)) == (
            b.status_code,
            body_of(b, "nobody@example.com"),
        )
        assert a.status_code == 401
    a, b = login(known, EMAIL, "wrong password!"), login(unknown, "nobody@example.com", "x" * 14)
    assert a.status_code == b.status_code == 429
    assert body_of(a, EMAIL) == body_of(b, "nobody@example.com")


def test_unknown_accounts_take_about_as_long_to_refuse_as_known_ones(
    sqlite_db: Database, make_settings: Callable[..., Any], account_id: int
) -> None:
    client = make_app(sqlite_db, make_settings).test_client()

    def timed(email: str) -> float:
        started = time.perf_counter()
        assert login(client, email, "wrong password!").status_code == 401
        return time.perf_counter() - started

    timed("warm-up@example.com")
    known = sorted(timed(EMAIL) for _ in range(3))[1]
    unknown = sorted(timed(f"nobody{i}@example.com") for i in range(3))[1]
    assert 0.5 <= unknown / known <= 2.0, (known, unknown)


def test_guesses_across_many_accounts_from_one_address_are_limited(
    sqlite_db: Database, make_settings: Callable[..., Any]
) -> None:
    client = make_app(sqlite_db, make_settings, login_limit_address="5 per minute").test_client()
    statuses = [login(client, f"user{i}@example.com", "guess guess!").status_code for i in range(7)]
    assert statuses == [401] * 5 + [429] * 2


# --- sessions that end ----------------------------------------------------------------------


def dashboard_status(client: FlaskClient) -> int:
    return client.get("/dashboard/").status_code


def test_a_cookie_captured_before_logout_is_refused_after_it(
    client: FlaskClient, account_id: int
) -> None:
    assert login(client, EMAIL, PASSWORD).status_code == 302
    assert dashboard_status(client) == 200
    captured = client.get_cookie("session")
    assert captured is not None
    token = csrf(client)
    client.post("/auth/logout", data={"csrf_token": token})
    client.set_cookie("session", captured.value)
    replay = client.get("/dashboard/")
    assert replay.status_code == 302 and "/auth/login" in replay.headers["Location"]


@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_a_password_change_or_deactivation_ends_open_sessions(
    client: FlaskClient, sqlite_db: Database, account_id: int, change: str
) -> None:
    assert login(client, EMAIL, PASSWORD).status_code == 302
    with sqlite_db.transaction() as session:
        account = session.get(Account, account_id)
        assert account is not None
        if change == "password":
            account.password_hash = hash_password("another long password")
        else:
            account.active = False
    if change == "deactivate":  # reactivating does not revive the old cookie
        with sqlite_db.transaction() as session:
            account = session.get(Account, account_id)
            assert account is not None
            account.active = True
    assert dashboard_status(client) == 302


@pytest.mark.parametrize(("key", "age"), [("seen", 31 * 60), ("since", 12 * 3600 + 1)])
def test_idle_and_absolute_timeouts_end_a_session(
    client: FlaskClient, account_id: int, key: str, age: int
) -> None:
    assert login(client, EMAIL, PASSWORD).status_code == 302
    assert dashboard_status(client) == 200
    with client.session_transaction() as cookie:
        cookie[key] = int(time.time()) - age
    assert dashboard_status(client) == 302


def test_an_active_session_stays_signed_in(client: FlaskClient, account_id: int) -> None:
    assert login(client, EMAIL, PASSWORD).status_code == 302
    with client.session_transaction() as cookie:
        cookie["seen"] = int(time.time()) - 29 * 60
    assert dashboard_status(client) == 200
    with client.session_transaction() as cookie:
        assert int(time.time()) - cookie["seen"] < 5
