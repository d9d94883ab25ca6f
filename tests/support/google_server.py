"""A local stand-in for the parts of the Google Calendar API the connector uses, from the
public documentation: the OAuth token endpoint taking a service account's signed JWT
(``urn:ietf:params:oauth:grant-type:jwt-bearer``, RS256 checked against the public key),
and ``GET /calendars/{id}/events`` with ``pageToken``/``nextPageToken``, ``nextSyncToken``,
``syncToken`` reads of what changed, and 410 Gone for an expired sync token."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

ACCOUNT = "flipside@project.iam.gserviceaccount.com"


def google_event(
    eid: str, start: str, end: str, people: list[tuple[str, str]], **kw: Any
) -> dict[str, Any]:
    return {
        "kind": "calendar#event", "id": eid, "status": kw.pop("status", "confirmed"),
        "summary": kw.pop("summary", "Mentoring"), "description": "", "location": "",
        "start": {"dateTime": start, "timeZone": kw.pop("tz", "Europe/London")},
        "end": {"dateTime": end},
        "organizer": {"email": people[0][0]},
        "attendees": [{"email": a, "responseStatus": r} for a, r in people],
    }  # fmt: skip


class Google:
    def __init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()  # fmt: skip
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.calendars: dict[str, list[dict[str, Any]]] = {}
        self.changes: dict[str, list[dict[str, Any]]] = {}  # what a syncToken read returns
        self.expired: set[str] = set()
        self.requests: list[dict[str, Any]] = []
        google = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
                try:
                    claims = jwt.decode(form["assertion"][0], RSAKey.import_key(public)).claims
                except Exception:  # noqa: BLE001 - any bad signature is invalid_grant
                    self._send(400, {"error": "invalid_grant"})
                    return
                assert claims["iss"] == ACCOUNT and claims["scope"].endswith("calendar.readonly")
                self._send(200, {"access_token": f"tok:{claims['sub']}", "expires_in": 3600})

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                calendar = unquote(parts.path.split("/")[-2])
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                google.requests.append({"calendar": calendar, **query})
                if self.headers.get("Authorization") != f"Bearer tok:{calendar}":
                    self._send(401, {"error": {"code": 401}})
                    return
                if "syncToken" in query:
                    if query["syncToken"] in google.expired:
                        self._send(
                            410,
                            {
                                "error": {
                                    "code": 410,
                                    "message": "Sync token is no longer valid.",
                                }
                            },
                        )
                        return
                    items = google.changes.pop(calendar, [])
                else:
                    assert query["singleEvents"] == "true" and "timeMin" in query
                    items = google.calendars.get(calendar, [])
                start = int(query.get("pageToken", "0"))
                body: dict[str, Any] = {
                    "kind": "calendar#events",
                    "items": items[start : start + 1],
                }
                if start + 1 < len(items):
                    body["nextPageToken"] = str(start + 1)
                else:
                    body["nextSyncToken"] = f"sync-{len(google.requests)}"
                self._send(200, body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/calendar/v3"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
