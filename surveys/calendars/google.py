"""Google Calendar (plain HTTP): a service account with domain-wide delegation, sync tokens.

For each of the programme's mentors the service account signs a JWT (RS256, scope
``calendar.readonly``, ``sub`` = the mentor) and exchanges it at the token URI for an
access token. The first read lists ``/calendars/{mentor}/events`` over the window
(``singleEvents=true`` so each occurrence of a series is its own event) page by page
to the ``nextSyncToken``; later reads send only ``syncToken`` and get what changed,
deleted events included as ``status: cancelled``. A 410 Gone means the token expired:
the cursor is dropped and that calendar is read in full again. The connector keeps the
tokens (``sync_state``, JSON by mailbox), which carry no event data. Only times,
status, the organiser, attendees and their responses are read.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from surveys.calendars.caldav_source import TIMEOUT_SECONDS, SourceError, check_response
from surveys.calendars.events import Attendee, CalendarEvent, normalise_email

TOKEN_URI = "https://oauth2.googleapis.com/token"
SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
MAX_PAGES = 200


class _Gone(Exception):
    """The sync token expired (HTTP 410): read the calendar in full again."""


def token_uri(base: str) -> str:
    parts = urlsplit(base)
    return (
        TOKEN_URI
        if parts.hostname == "www.googleapis.com"
        else f"{parts.scheme}://{parts.netloc}/token"
    )


def _get(http: requests.Session, method: str, url: str, now: datetime, **kw: Any) -> Any:
    try:
        response = http.request(method, url, timeout=TIMEOUT_SECONDS, **kw)
    except requests.RequestException as exc:
        raise SourceError(f"could not reach Google ({type(exc).__name__})") from None
    if response.status_code == 410:
        raise _Gone
    if response.status_code in (400, 401):
        raise SourceError(f"Google refused the credentials (HTTP {response.status_code})")
    check_response(response, now)
    try:
        return response.json()
    except ValueError:
        raise SourceError("Google sent something that is not JSON") from None


def access_token(
    http: requests.Session, base: str, account: str, key: str, sub: str, now: datetime
) -> str:
    issued = int(time.time())
    claims = {"iss": account, "sub": sub, "scope": SCOPE, "aud": token_uri(base),
              "iat": issued, "exp": issued + 3600}  # fmt: skip
    try:
        assertion = jwt.encode({"alg": "RS256", "typ": "JWT"}, claims, RSAKey.import_key(key))
    except (ValueError, TypeError, JoseError):
        raise SourceError(
            "the service account's private key cannot sign (not a PEM RSA key)"
        ) from None
    body = _get(
        http, "POST", token_uri(base), now,
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
    )  # fmt: skip
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str):
        raise SourceError("the token endpoint sent no access_token")
    return token


def _moment(value: dict[str, Any]) -> tuple[datetime, date]:
    if "dateTime" in value:
        moment = datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment, moment.date()  # the date where it was scheduled (its own offset)
    day = date.fromisoformat(str(value.get("date")))
    return datetime(day.year, day.month, day.day, tzinfo=UTC), day


def to_event(item: dict[str, Any]) -> CalendarEvent:
    """A Google event; a deleted one (``status: cancelled``) may carry its id alone."""
    cancelled = item.get("status") == "cancelled"
    try:
        start, held_on = _moment(item.get("start") or {})
        end, _ = _moment(item.get("end") or {})
    except (ValueError, TypeError):
        if not cancelled:
            raise SourceError("an event without a readable start or end") from None
        start = end = datetime(1970, 1, 1, tzinfo=UTC)
        held_on = start.date()
    people: dict[str, bool] = {}
    organizer = (item.get("organizer") or {}).get("email")
    if organizer:
        people[normalise_email(str(organizer))] = False
    for attendee in item.get("attendees") or []:
        if attendee.get("email"):
            declined = attendee.get("responseStatus") == "declined"
            people[normalise_email(str(attendee["email"]))] = declined
    attendees = tuple(Attendee(e, d) for e, d in sorted(people.items()))
    return CalendarEvent(str(item.get("id")), start, end, held_on, cancelled, attendees)


def _read(
    http: requests.Session, base: str, mailbox: str, bearer: str, cursor: str | None,
    since: datetime, until: datetime, now: datetime,
) -> tuple[list[CalendarEvent], str | None]:  # fmt: skip
    url = f"{base.rstrip('/')}/calendars/{quote(mailbox)}/events"
    params: dict[str, str] = {"singleEvents": "true", "maxResults": "250"}
    if cursor:
        params["syncToken"] = cursor
    else:
        params["timeMin"] = since.astimezone(UTC).isoformat().replace("+00:00", "Z")
        params["timeMax"] = until.astimezone(UTC).isoformat().replace("+00:00", "Z")
    events: list[CalendarEvent] = []
    headers = {"Authorization": f"Bearer {bearer}"}
    for _ in range(MAX_PAGES):
        page = _get(http, "GET", url, now, params=params, headers=headers)
        events += [to_event(item) for item in page.get("items", [])]
        if page.get("nextPageToken"):
            params = {**params, "pageToken": str(page["nextPageToken"])}
            continue
        return events, page.get("nextSyncToken")
    raise SourceError("the event list did not end within 200 pages")


def fetch_google(
    base: str, account: str, key: str, mailboxes: list[str], state: str | None,
    since: datetime, until: datetime, now: datetime,
) -> tuple[list[CalendarEvent], bool, str]:  # fmt: skip
    """Events of the mailboxes, whether every calendar was read in full, the new cursors."""
    try:
        cursors: dict[str, str] = json.loads(state) if state else {}
    except ValueError:
        cursors = {}
    found: dict[str, CalendarEvent] = {}
    complete = True
    new: dict[str, str] = {}
    with requests.Session() as http:
        for mailbox in mailboxes:
            bearer = access_token(http, base, account, key, mailbox, now)
            cursor = cursors.get(mailbox)
            try:
                events, token = _read(http, base, mailbox, bearer, cursor, since, until, now)
            except _Gone:
                cursor = None
                events, token = _read(http, base, mailbox, bearer, None, since, until, now)
            complete = complete and cursor is None
            for event in events:
                found.setdefault(event.key, event)
            if token:
                new[mailbox] = token
    return list(found.values()), complete, json.dumps(new, sort_keys=True)
