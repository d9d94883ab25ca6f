"""Issue 26: the production recipe behind its reverse proxy. gunicorn starts as the web unit
starts it, nginx runs the supplied file (tests/support/recipe.py), and clients connect from
different loopback addresses: each gets its own sign-in bucket, and HSTS is sent."""

from __future__ import annotations

import http.client
import re
import ssl
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from surveys.db.session import Database
from surveys.services.accounts import create_account
from tests.support.keys import WEB_KEYS
from tests.support.recipe import HOST, NGINX, env_file, recipe, unit_environment

PASSWORD = "correct horse battery"


class Browser:
    """An HTTPS client from one loopback address, with its own cookies."""

    def __init__(self, port: int, address: str) -> None:
        self.port, self.address = port, address
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        extra: dict[str, str] | None = None,
    ) -> Any:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=context, source_address=(self.address, 0), timeout=120
        )
        headers = {"Host": HOST, "Referer": f"https://{HOST}/auth/login", **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.text = response.read().decode()
        for value in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(value).items():
                self.cookies[key] = morsel.value
        conn.close()
        return response

    def sign_in(self, email: str, password: str) -> Any:
        page = self.request("GET", "/auth/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        form = {"email": email, "password": password, "csrf_token": token.group(1)}
        return self.request("POST", "/auth/login", form)


def test_the_web_unit_trusts_exactly_the_proxies_of_the_nginx_file() -> None:
    hops = int(unit_environment()["FLIPSIDE_PROXY_HOPS"])
    nginx = NGINX.read_text()
    assert nginx.count("proxy_pass ") >= 1 and hops == 1
    # nginx replaces, never appends to, what the client sent: one hop means the last one.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert "$proxy_add_x_forwarded_for" not in nginx
    for header in ("Proto", "Host", "Port", "Prefix"):
        assert f"proxy_set_header X-Forwarded-{header} " in nginx, header


def test_two_clients_behind_the_proxy_get_two_buckets_and_hsts(
    pg_db: Database, private_redis_url: str, tmp_path: Path, make_settings: Callable[..., Any]
) -> None:
    with pg_db.transaction() as session:
        create_account(session, "lead@example.com", PASSWORD, "lead")
    env = {
        **env_file(),
        **WEB_KEYS,
        "SECRET_KEY": "r" * 48,
        "DATABASE_URL": pg_db.url,
        "REDIS_URL": private_redis_url,
        "FLIPSIDE_BASE_URL": f"https://{HOST}",
        "FLIPSIDE_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLIPSIDE_LOGIN_LIMIT_ADDRESS": "5 per minute",
        "FLIPSIDE_LOGIN_LIMIT_ACCOUNT": "100 per minute",
        "FLIPSIDE_LOGIN_LIMIT_ACCOUNT_ADDRESS": "100 per minute",
    }
    env.pop("SMTP_URL")
    with recipe(tmp_path, env) as port:
        attacker = Browser(port, "127.0.0.2")
        statuses = [
            attacker.sign_in(f"guess{i}@example.com", "wrong password!").status for i in range(7)
        ]
        assert statuses == [401] * 5 + [429] * 2, "the attacker's own bucket fills"
        colleague = Browser(port, "127.0.0.3")
        answer = colleague.sign_in("lead@example.com", PASSWORD)
        assert answer.status == 302, (
            "a colleague at another address was refused: every client shares one bucket "
            f"(FLIPSIDE_PROXY_HOPS does not match the nginx file): {answer.status}"
        )
        assert answer.getheader("Strict-Transport-Security", "").startswith("max-age=")
        home = colleague.request("GET", "/")
        assert len(home.headers.get_all("Strict-Transport-Security") or []) == 1
        # A client cannot move the app under another prefix or claim another address.
        spoof = Browser(port, "127.0.0.4")
        forged = {
            "X-Forwarded-For": "127.0.0.3",
            "X-Forwarded-Prefix": "/evil",
            "X-Forwarded-Port": "8443",
        }
        page = spoof.request("GET", "/auth/login", extra=forged)
        assert page.status == 200 and "/evil" not in page.text and ":8443" not in page.text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
        assert token
        form = {"email": "x@example.com", "password": "wrong password!", "csrf_token": token[1]}
        for _ in range(5):
            spoof.request("POST", "/auth/login", form, extra=forged)
        again = colleague.sign_in("lead@example.com", PASSWORD)
        assert again.status == 302, "a forged X-Forwarded-For filled another client's bucket"
