"""Graph change notifications: the validationToken handshake, clientState checked, a read
enqueued only for a genuine notification; bad input is a 4xx."""

from __future__ import annotations

import json
from typing import Any

import pytest

from surveys.calendars.connectors import add_connector
from surveys.calendars.notifications import client_state
from surveys.db.session import Database
from tests.support import factories as f
from workers.broker import broker

SECRET_KEY = "t" * 40  # the app fixture's


@pytest.fixture
def connector(sqlite_db: Database) -> int:
    broker.flush_all()
    with sqlite_db.transaction() as session:
        firm = f.firm(session)
        row = add_connector(
            session, firm.id, kind="graph", name="M365", url="https://graph.microsoft.com/v1.0"
        )
        other = add_connector(session, firm.id, kind="ics", name="F", url="https://x.example/f")
        assert other.id != row.id
        return row.id


_SENT: list[tuple[Any, ...]] = []


@pytest.fixture(autouse=True)
def _sends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count the reads a notification starts, whether or not a stub worker (started by an
    earlier test of the session) has already taken the message off the queue."""
    from workers.actors.calendars import sync_calendar

    _SENT.clear()
    monkeypatch.setattr(sync_calendar, "send", lambda *args: _SENT.append(args))


def queued() -> int:
    return len(_SENT)


def notification(state: str) -> dict[str, Any]:
    # The documented shape of a change notification collection.
    return {
        "value": [
            {
                "subscriptionId": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
                "subscriptionExpirationDateTime": "2026-03-20T18:23:45.9356913Z",
                "changeType": "updated",
                "resource": "Users/abc/Events('AAMk')",
                "resourceData": {"@odata.type": "#Microsoft.Graph.Event", "id": "AAMk"},
                "clientState": state,
                "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
            }
        ]
    }


def test_the_validation_handshake_echoes_the_token_as_plain_text(
    client: Any, connector: int
) -> None:
    token = "Validation: Testing client application reachability for subscription Request-Id: 1"
    response = client.post(
        f"/hooks/calendars/{connector}/graph", query_string={"validationToken": token}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/plain" and response.get_data(as_text=True) == token
    assert queued() == 0
    too_long = client.post(f"/hooks/calendars/{connector}/graph?validationToken=" + "x" * 2001)
    assert too_long.status_code == 422


def test_a_notification_with_the_right_client_state_starts_one_read(
    client: Any, connector: int
) -> None:
    body = json.dumps(notification(client_state(SECRET_KEY, connector)))
    response = client.post(
        f"/hooks/calendars/{connector}/graph", data=body, content_type="application/json"
    )
    assert response.status_code == 202
    assert queued() == 1


@pytest.mark.parametrize("state", ["", "guess", None])
def test_a_wrong_or_missing_client_state_is_refused_and_starts_nothing(
    client: Any, connector: int, state: str | None
) -> None:
    forged = notification(state if state is not None else "x")
    if state is None:
        del forged["value"][0]["clientState"]
    # Another connector's state is no better.
    response = client.post(f"/hooks/calendars/{connector}/graph", json=forged)
    assert response.status_code == 401
    other = client.post(
        f"/hooks/calendars/{connector}/graph",
        json=notification(client_state(SECRET_KEY, connector + 1)),
    )
    assert other.status_code == 401
    assert queued() == 0


def test_bad_bodies_and_unknown_connectors_are_4xx(client: Any, connector: int) -> None:
    url = f"/hooks/calendars/{connector}/graph"
    assert client.post(url, data="{not json", content_type="application/json").status_code == 400
    assert client.post(url, json={"value": []}).status_code == 422
    assert client.post(url, json=[1, 2]).status_code == 422
    assert client.post(f"/hooks/calendars/{connector + 1}/graph", json={}).status_code == 404
    assert client.post("/hooks/calendars/99999/graph?validationToken=x").status_code == 404
    assert queued() == 0
