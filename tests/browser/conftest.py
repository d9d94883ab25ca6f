"""A live Flipside server and a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from surveys.db.session import Database
from tests.support import factories as f
from tests.support.services import required

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "browser"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _missing(what: str) -> None:
    if required():
        pytest.fail(f"{what} is missing and REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(f"{what} is missing (apt-get install chromium; npm install)")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        _missing("Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A 360-px-wide touch screen, CSP bypassed only so the axe script can be injected."""
    context = chromium.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def live_server(
    sqlite_db: Database, make_settings: Callable[..., Any]
) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Serve the app on a free loopback port; yields (base URL, reconfigure(**settings))."""
    yield from _serve(sqlite_db, make_settings)


@pytest.fixture
def demo_server(
    demo_world: Any, make_settings: Callable[..., Any]
) -> Iterator[tuple[str, Callable[..., Any]]]:
    """The same live server on the full demo data (tests.support.demo_world)."""
    yield from _serve(demo_world.db, make_settings)


def _serve(
    sqlite_db: Database, make_settings: Callable[..., Any]
) -> Iterator[tuple[str, Callable[..., Any]]]:
    from webapp import create_app

    holder: dict[str, Any] = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
    )
    base_url = f"http://127.0.0.1:{server.server_port}"

    def configure(**overrides: Any) -> Any:
        settings = make_settings(
            database_url=sqlite_db.url, secret_key=f.SECRET, base_url=base_url, **overrides
        )
        holder["app"] = create_app({"FLIPSIDE_DATABASE": sqlite_db}, settings=settings)
        return settings

    configure()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url, configure
    server.shutdown()
    thread.join(timeout=5)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious or critical axe-core violations on the current page."""
    if not AXE.exists():
        _missing("axe-core (node_modules)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page: Any, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
