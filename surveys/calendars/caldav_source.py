"""Reading iCalendar text from a CalDAV collection (``caldav``) or an ICS feed (``requests``).

Both return the raw iCalendar texts of the events touching the window; the caller
parses them in memory (:mod:`surveys.calendars.ical`) and keeps nothing of them.
A throttled answer (HTTP 429, or 503 with Retry-After) raises :class:`SourceError`
with the delay the server asked for, so the connector waits before trying again.
The ``caldav`` library's logger is held at WARNING here even when
PYTHON_CALDAV_DEBUGMODE asks for DEBUG: at DEBUG it logs every request's headers
(the Authorization header, so the password) and body.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from caldav.davclient import DAVClient
from caldav.lib import error as caldav_error

logging.getLogger("caldav").setLevel(logging.WARNING)

#: How long one read may take before it counts as a failure.
TIMEOUT_SECONDS = 30
#: The most an ICS feed may weigh (a year of a busy calendar is well under this).
MAX_FEED_BYTES = 20_000_000


class SourceError(Exception):
    """The calendar could not be read; ``retry_after`` (seconds) when the server said so."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def check_response(response: requests.Response, now: datetime) -> None:
    """Raise :class:`SourceError` for a throttled or failed HTTP answer."""
    if response.status_code == 429 or (
        response.status_code == 503 and "Retry-After" in response.headers
    ):
        delay = parse_retry_after(response.headers.get("Retry-After"), now)
        raise SourceError(f"throttled (HTTP {response.status_code})", delay or 60.0)
    if response.status_code >= 400:
        raise SourceError(f"HTTP {response.status_code}")


def fetch_ics(url: str, username: str | None, password: str | None, now: datetime) -> list[str]:
    """The feed's text (one calendar); only http(s) URLs."""
    auth = (username, password or "") if username else None
    try:
        with requests.Session() as http, http.get(url, auth=auth, timeout=TIMEOUT_SECONDS) as r:
            check_response(r, now)
            content = r.content
    except requests.RequestException as exc:
        raise SourceError(f"could not reach the feed ({type(exc).__name__})") from None
    if len(content) > MAX_FEED_BYTES:
        raise SourceError("the feed is larger than 20 MB")
    return [content.decode("utf-8", errors="replace")]


def fetch_caldav(
    url: str, username: str | None, password: str | None, since: datetime, until: datetime
) -> list[str]:
    """The iCalendar texts of the collection's events touching ``[since, until)``.

    Series are fetched whole (not expanded by the server) so that the reader
    expands them the same way for every server.
    """
    try:
        client = DAVClient(
            url=url,
            username=username,
            password=password,
            timeout=TIMEOUT_SECONDS,
            enable_rfc6764=False,
            require_tls=url.startswith("https:"),
            rate_limit_handle=False,
        )
        calendar = client.calendar(url=url)  # type: ignore[no-untyped-call]
        found = calendar.search(start=since, end=until, event=True)
        assert isinstance(found, list)  # the synchronous client
        return [str(item.data) for item in found]
    except caldav_error.RateLimitError as exc:
        raise SourceError("throttled (HTTP 429)", exc.retry_after_seconds or 60.0) from None
    except caldav_error.AuthorizationError:
        raise SourceError("the CalDAV server refused the credentials") from None
    except caldav_error.NotFoundError:
        raise SourceError("no calendar at this URL") from None
    except caldav_error.DAVError as exc:
        raise SourceError(f"CalDAV error ({type(exc).__name__})") from None
    except OSError as exc:
        raise SourceError(f"could not reach the CalDAV server ({type(exc).__name__})") from None
