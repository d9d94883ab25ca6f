"""A local stand-in for the parts of Microsoft Graph the connector uses, from the public
documentation: the v2.0 client-credentials token endpoint, and
``GET /users/{id}/calendarView/delta`` paged with ``@odata.nextLink`` and closed with
``@odata.deltaLink``, events in the documented shape (``iCalUId``, ``start``/``end``
as ``{dateTime, timeZone}``, ``isCancelled``, ``organizer``, ``attendees[].status``).
It can answer 429 with Retry-After, a 5xx, or 401 for a wrong secret."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

CLIENT_ID, TENANT, SECRET = "11111111-aaaa", "contoso-tenant", "graph-client-secret"


def graph_event(
    uid: str, start: str, end: str, people: list[tuple[str, str]], **kw: Any
) -> dict[str, Any]:
    """An event as Graph returns it with Prefer: outlook.timezone="UTC"."""
    return {
        "@odata.type": "#microsoft.graph.event",
        "id": f"AAMk-{uid}",
        "iCalUId": f"040000008200E000{uid}",
        "subject": kw.pop("subject", "Mentoring"),
        "bodyPreview": kw.pop("body", ""),
        "isCancelled": kw.pop("cancelled", False),
        "start": {"dateTime": f"{start}.0000000", "timeZone": "UTC"},
        "end": {"dateTime": f"{end}.0000000", "timeZone": "UTC"},
        "location": {"displayName": kw.pop("location", "")},
        "organizer": {"emailAddress": {"name": "Org", "address": people[0][0]}},
        "attendees": [
            {
                "type": "required",
                "status": {"response": r, "time": "0001-01-01T00:00:00Z"},
                "emailAddress": {"name": a, "address": a},
            }
            for a, r in people
        ],  # fmt: skip
    }


class Graph:
    def __init__(self) -> None:
        self.mailboxes: dict[str, list[dict[str, Any]]] = {}
        self.fail: list[tuple[int, dict[str, str]]] = []  # answers to give first, in order
        self.requests: list[str] = []
        self.page_size = 1
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                graph.requests.append(f"POST {self.path}")
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                if self.path != f"/{TENANT}/oauth2/v2.0/token" or form.get("client_secret") != [
                    SECRET
                ]:
                    self._send(401, {"error": "invalid_client"})
                    return
                assert form["grant_type"] == ["client_credentials"]
                assert form["scope"] == ["https://graph.microsoft.com/.default"]
                self._send(
                    200, {"token_type": "Bearer", "expires_in": 3599, "access_token": "tok-1"}
                )

            def do_GET(self) -> None:  # noqa: N802
                graph.requests.append(f"GET {self.path}")
                if graph.fail:
                    status, headers = graph.fail.pop(0)
                    self._send(status, {"error": {"code": "TooManyRequests"}}, headers)
                    return
                if self.headers.get("Authorization") != "Bearer tok-1":
                    self._send(401, {"error": {"code": "InvalidAuthenticationToken"}})
                    return
                assert self.headers.get("Prefer") == 'outlook.timezone="UTC"'
                parts = urlsplit(self.path)
                mailbox = unquote(parts.path.split("/")[3])  # /v1.0/users/{id}/...
                query = parse_qs(parts.query)
                items = graph.mailboxes.get(mailbox, [])
                skip = int(query.get("$skiptoken", ["0"])[0])
                page = items[skip : skip + graph.page_size]
                base = f"http://127.0.0.1:{graph.server.server_port}{parts.path}"
                body: dict[str, Any] = {"value": page}
                if skip + graph.page_size < len(items):
                    body["@odata.nextLink"] = f"{base}?$skiptoken={skip + graph.page_size}"
                else:
                    body["@odata.deltaLink"] = f"{base}?$deltatoken=done"
                self._send(200, body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1.0"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
