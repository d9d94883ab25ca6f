"""A real OpenID provider on loopback for the SSO tests: node-oidc-provider (npm), run by node.

:func:`start` writes a small JSON config (one confidential client whose redirect
URI is the test server's callback, and the provider's test users), starts
``tests/browser/oidc/provider.mjs`` on a free port, waits for its discovery
document and returns it; :meth:`Provider.stop` ends the process.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "browser" / "oidc" / "provider.mjs"
PACKAGE = ROOT / "node_modules" / "oidc-provider"
CLIENT_ID, CLIENT_SECRET = "flipside-test", "a-client-secret-of-the-test-provider"


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def available() -> str | None:
    """Why the provider cannot run here, or None when node and the package are installed."""
    if shutil.which("node") is None:
        return "node"
    if not PACKAGE.exists():
        return "the npm package oidc-provider (npm install)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    folder: Path,
    redirect_uri: str,
    accounts: dict[str, dict[str, Any]],
    tamper: dict[str, Any] | None = None,
) -> Provider:
    """Start the provider with ``accounts`` (login name -> claims); wait until it answers.

    ``tamper`` makes it issue bad ID tokens, signed with its own keys: ``{"audience":
    "other-app"}`` or ``{"clockSkewSeconds": -7200}`` (provider.mjs)."""
    port = _free_port()
    config = folder / "oidc-config.json"
    config.write_text(
        json.dumps(
            {
                "clients": [
                    {
                        "client_id": CLIENT_ID,
                        "client_secret": CLIENT_SECRET,
                        "redirect_uris": [redirect_uri],
                        "grant_types": ["authorization_code"],
                        "response_types": ["code"],
                    }
                ],
                "accounts": accounts,
                "tamper": tamper or {},
            }
        )
    )
    log = folder / "oidc-provider.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["node", str(SCRIPT), str(port), str(config)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    issuer = f"http://127.0.0.1:{port}"
    provider = Provider(issuer, process, log)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=2):
                return provider
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                provider.stop()
                raise RuntimeError(f"oidc-provider did not start: {log.read_text()}") from None
            time.sleep(0.2)
