"""The web app's skeleton: pages, health, errors, security headers, CSRF, login."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from surveys.db.session import Database
from surveys.services.accounts import create_account
from tests.support import factories as f


def test_the_home_page_is_served_with_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert b"Flipside" in response.data
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_healthz_reports_database_broker_and_outbox_as_json(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "ok"
    assert body["mode"] == "embedded"
    assert body["outbox"]["unpublished"] == 0


def test_healthz_is_503_when_the_database_is_unreachable(make_settings: Any, tmp_path: Any) -> None:
    from webapp import create_app

    broken = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = create_app(
        {"TESTING": True, "FLIPSIDE_DATABASE": broken},
        settings=make_settings(database_url=broken.url),
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"]["status"] == "error"


@pytest.mark.parametrize("path", ["/nowhere", "/dashboard/../../etc/passwd"])
def test_unknown_addresses_get_the_404_page(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"There is nothing at this address" in response.data


def test_a_form_post_without_a_csrf_token_is_refused_with_400(app: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    response = app.test_client().post("/auth/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400
    assert b"form has expired" in response.data


def csrf_token(client: FlaskClient, path: str) -> str:
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).data)
    assert match, "no CSRF token on the page"
    return match.group(1).decode()


def login(client: FlaskClient, email: str, password: str) -> Any:
    token = csrf_token(client, "/auth/login")
    return client.post(
        "/auth/login", data={"email": email, "password": password, "csrf_token": token}
    )


def test_a_lead_signs_in_and_sees_only_their_firms_programmes(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        own = f.programme(session, name="Own Programme")
        f.programme(session, name="Foreign Programme")
        create_account(session, "lead@example.com", "correct horse battery", "lead", [own.firm])
    response = login(client, "lead@example.com", "correct horse battery")
    assert response.status_code == 302
    page = client.get("/dashboard/").data
    assert b"Own Programme" in page and b"Foreign Programme" not in page


def test_repeated_failed_logins_are_rate_limited(client: FlaskClient, sqlite_db: Database) -> None:
    with sqlite_db.transaction() as session:
        create_account(session, "lead@example.com", "correct horse battery", "lead")
    statuses = [login(client, "lead@example.com", "wrong password!").status_code for _ in range(5)]
    assert statuses == [401] * 5
    assert login(client, "lead@example.com", "correct horse battery").status_code == 429


def test_the_dashboard_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_survey_tokens_are_redacted_from_request_logs() -> None:
    import logging

    from webapp.security import RedactSurveyTokens

    record = logging.LogRecord(
        "werkzeug", logging.INFO, "", 0, '"%s" %s', ("GET /s/Abc123_-xyz HTTP/1.1", 200), None
    )
    RedactSurveyTokens().filter(record)
    assert "Abc123" not in record.getMessage()
