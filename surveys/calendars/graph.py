"""Microsoft 365 through Microsoft Graph (plain HTTP): client-credentials token, then a
full calendarView delta round per mailbox of the programme's mentors.

An app registration with the application permission Calendars.Read (scoped by an
Exchange application access policy to the programme's people) gets a token at
``<login>/<tenant>/oauth2/v2.0/token``. Each sync runs one full delta round over
the window (``/users/{mailbox}/calendarView/delta?startDateTime=&endDateTime=``,
following ``@odata.nextLink`` to the ``@odata.deltaLink``), asking for times in UTC
(``Prefer: outlook.timezone="UTC"``); a full round, not an incremental one, so an
event that disappeared is noticed like a deleted CalDAV event. The same meeting seen
in two mailboxes has one ``iCalUId``, so it is one key. Only times, ``isCancelled``,
the organiser, attendees and their responses are read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from surveys.calendars.caldav_source import TIMEOUT_SECONDS, SourceError, check_response
from surveys.calendars.events import Attendee, CalendarEvent, normalise_email

LOGIN = "https://login.microsoftonline.com"
#: A delta round longer than this many pages is refused (a loop, or a huge mailbox).
MAX_PAGES = 200


def _json(http: requests.Session, method: str, url: str, now: datetime, **kw: Any) -> Any:
    try:
        response = http.request(method, url, timeout=TIMEOUT_SECONDS, **kw)
    except requests.RequestException as exc:
        raise SourceError(f"could not reach Microsoft Graph ({type(exc).__name__})") from None
    if response.status_code == 401:
        raise SourceError("Microsoft Graph refused the credentials (HTTP 401)")
    check_response(response, now)
    try:
        return response.json()
    except ValueError:
        raise SourceError("Microsoft Graph sent something that is not JSON") from None


def token(http: requests.Session, login: str, account: str, secret: str, now: datetime) -> str:
    """An app-only access token; ``account`` is ``<client id>@<tenant id>``."""
    client_id, _, tenant = account.partition("@")
    if not client_id or not tenant:
        raise SourceError("the user name must be <application (client) id>@<tenant id>")
    body = _json(
        http, "POST", f"{login.rstrip('/')}/{quote(tenant)}/oauth2/v2.0/token", now,
        data={
            "grant_type": "client_credentials", "client_id": client_id,
            "client_secret": secret, "scope": "https://graph.microsoft.com/.default",
        },
    )  # fmt: skip
    access = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(access, str):
        raise SourceError("the token endpoint sent no access_token")
    return access


def _when(value: Any) -> datetime:
    text = str((value or {}).get("dateTime", ""))[:26]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SourceError("an event without a readable start or end") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_event(item: dict[str, Any]) -> CalendarEvent | None:
    """A Graph event (times in UTC) as a :class:`CalendarEvent`; None for a removal."""
    if "@removed" in item:
        return None
    start, end = _when(item.get("start")), _when(item.get("end"))
    people: dict[str, bool] = {}
    organizer = ((item.get("organizer") or {}).get("emailAddress") or {}).get("address")
    if organizer:
        people[normalise_email(str(organizer))] = False
    for attendee in item.get("attendees") or []:
        address = (attendee.get("emailAddress") or {}).get("address")
        if address:
            response = (attendee.get("status") or {}).get("response", "")
            people[normalise_email(str(address))] = response == "declined"
    return CalendarEvent(
        key=str(item.get("iCalUId") or item.get("id")),
        start=start,
        end=end,
        held_on=start.date(),
        cancelled=bool(item.get("isCancelled")),
        attendees=tuple(Attendee(e, d) for e, d in sorted(people.items())),
    )


def fetch_graph(
    base: str, login: str, account: str, secret: str, mailboxes: list[str],
    since: datetime, until: datetime, now: datetime,
) -> list[CalendarEvent]:  # fmt: skip
    """Every event in the mailboxes' calendar views over ``[since, until)``, once per key."""
    found: dict[str, CalendarEvent] = {}
    with requests.Session() as http:
        bearer = token(http, login, account, secret, now)
        headers = {"Authorization": f"Bearer {bearer}", "Prefer": 'outlook.timezone="UTC"'}
        for mailbox in mailboxes:
            url: str | None = (
                f"{base.rstrip('/')}/users/{quote(mailbox)}/calendarView/delta"
                f"?startDateTime={since.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
                f"&endDateTime={until.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
            )
            for _ in range(MAX_PAGES):
                if url is None:
                    break
                page = _json(http, "GET", url, now, headers=headers)
                for item in page.get("value", []):
                    event = to_event(item)
                    if event is not None:
                        found.setdefault(event.key, event)
                url = page.get("@odata.nextLink")
            else:
                raise SourceError("the delta round did not end within 200 pages")
    return list(found.values())
