"""Reaching the real services tests depend on: skip when absent, fail when required."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") == "1"


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url.replace("+psycopg", ""))
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def need(name: str, url: str, default_port: int) -> None:
    """Skip (or, with REQUIRE_SERVICES=1, fail) when ``name`` cannot be reached at ``url``."""
    if reachable(url, default_port):
        return
    message = f"{name} is not reachable at {url}"
    if required():
        pytest.fail(f"{message} and REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(f"{message} (start it, or set REQUIRE_SERVICES=1 to make this a failure)")
