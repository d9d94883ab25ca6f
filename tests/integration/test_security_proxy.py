"""Issue 14 probes behind a proxy: HSTS over HTTPS via a trusted proxy only, pages with results
never cached, and every token-bearing path redacted from the logs Flipside controls."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from surveys.db.session import Database
from surveys.services.accounts import create_account
from surveys.services.tokens import met_token
from tests.integration.test_admin_pages import PASSWORD, sign_in
from tests.support import factories as f
from webapp.security import REDACTED_LOGGERS, RedactSurveyTokens

HTTPS_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


def make_app(db: Database, make_settings: Callable[..., Any], **settings: Any) -> Any:
    from webapp import create_app

    return create_app(
        {"TESTING": True, "FLIPSIDE_DATABASE": db},
        settings=make_settings(database_url=db.url, **settings),
    )


def test_hsts_is_sent_when_a_trusted_proxy_says_https(
    sqlite_db: Database, make_settings: Callable[..., Any]
) -> None:
    client = make_app(sqlite_db, make_settings, proxy_hops=1).test_client()
    response = client.get("/", headers=HTTPS_PROXY)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_forwarded_headers_are_ignored_without_a_configured_proxy(
    sqlite_db: Database, make_settings: Callable[..., Any]
) -> None:
    client = make_app(sqlite_db, make_settings).test_client()
    assert "Strict-Transport-Security" not in client.get("/", headers=HTTPS_PROXY).headers
    direct = client.get("/", base_url="https://localhost")
    assert "Strict-Transport-Security" in direct.headers


def test_the_proxy_hops_variable_is_read_and_checked() -> None:
    from surveys.settings import SettingsError, load_settings
    from tests.support.keys import KEYS

    env = {**KEYS, "SECRET_KEY": "t" * 40}
    assert load_settings(env).proxy_hops == 0
    assert load_settings({**env, "FLIPSIDE_PROXY_HOPS": "2"}).proxy_hops == 2
    with pytest.raises(SettingsError, match="FLIPSIDE_PROXY_HOPS"):
        load_settings({**env, "FLIPSIDE_PROXY_HOPS": "many"})


def test_pages_with_results_and_participant_pages_are_not_stored(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session)
        firm = pairing.programme.firm
        create_account(session, "staff@example.com", PASSWORD, "admin", [firm])
        ids = (firm.id, pairing.programme_id, pairing.id, pairing.mentor_id)
    sign_in(client, "staff@example.com")
    for path in (
        "/dashboard/",
        f"/dashboard/programmes/{ids[1]}",
        f"/admin/firms/{ids[0]}",
        f"/admin/programmes/{ids[1]}",
        "/exports",
        f"/met/{met_token('t' * 40, ids[2], ids[3])}",
    ):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert response.headers.get("Cache-Control") == "no-store", path


def log(msg: str, args: Any) -> str:
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, msg, args, None)
    RedactSurveyTokens().filter(record)
    return record.getMessage()


@pytest.mark.parametrize(
    "path",
    [
        "/s/Abc123_-xyz",
        "/s/Abc123_-xyz/opt-out",
        "/met/12.34.c2VjcmV0LXRhZw",
        "/exports/download/dl-Secret_token",
        "/api/v1/exports/download/dl-Api_secret",
        "/auth/set-password/Staff-Link_secret",
    ],
)
def test_every_token_bearing_path_is_redacted(path: str) -> None:
    secret = path.split("/")[-1] if not path.endswith("opt-out") else path.split("/")[2]
    assert secret not in log('"%s" %s', (f"GET {path}?x=1 HTTP/1.1", 200))
    assert secret not in log(f"GET {path}", ())
    # gunicorn's access log formats from a mapping of atoms
    assert secret not in log("%(r)s %(s)s", {"r": f"GET {path} HTTP/1.1", "s": "200"})


def test_the_redaction_filter_sits_on_every_logger_that_records_paths(app: Any) -> None:
    for name in REDACTED_LOGGERS:
        assert any(isinstance(x, RedactSurveyTokens) for x in logging.getLogger(name).filters), name
    assert any(isinstance(x, RedactSurveyTokens) for x in app.logger.filters)
