"""Per-firm calendar connectors: settings, credentials by name, sync, dry run and health.

An admin adds a connector with the *name* of the environment variable that holds
its password or key (``FLIPSIDE_CAL_<SOMETHING>``); the value is read from the
environment at sync time and never written anywhere. A sync reads the window
(``lookback_days`` back to a day ahead; for Graph, the calendars of the firm's
paired mentors), applies the meeting rule
(:mod:`surveys.calendars.recording`) and records the outcome for health: the last
success, the failures in a row and Flipside's own short error message. A failure
backs off exponentially (1 minute doubling to 6 hours), or as long as a 429's
Retry-After asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.calendars.caldav_source import SourceError, fetch_caldav, fetch_ics
from surveys.calendars.events import CalendarEvent
from surveys.calendars.google import fetch_google
from surveys.calendars.graph import LOGIN, fetch_graph
from surveys.calendars.ical import BadCalendar, parse_events
from surveys.calendars.recording import Outcome, active_pairings, apply_events
from surveys.db.models import CalendarConnector, Firm
from surveys.domain.vocab import CALENDAR_KINDS
from surveys.services.errors import Invalid, NotFound

#: What a secret's environment variable may be called (so a pasted secret is refused).
ENV_NAME = re.compile(r"FLIPSIDE_CAL_[A-Z0-9_]{1,80}")
#: The kinds this version can read (all of them).
READABLE_KINDS = CALENDAR_KINDS
MAX_BACKOFF = timedelta(hours=6)
#: A connector with this many failures in a row is reported as failing.
FAILING_AFTER = 1

Fetcher = Callable[[CalendarConnector, str | None, datetime, list[str]], "Read"]


@dataclass
class Read:
    """What one read returned: the events, whether it was a full read of the window (an
    incremental one reports deletions as cancelled events), and the provider's new cursor."""

    events: list[CalendarEvent]
    complete: bool = True
    state: str | None = None


@dataclass
class SyncReport:
    connector_id: int
    outcomes: list[Outcome] = field(default_factory=list)
    error: str | None = None


def add_connector(
    session: Session,
    firm_id: int,
    *,
    kind: str,
    name: str,
    url: str,
    username: str | None = None,
    secret_env: str | None = None,
    lookback_days: int = 14,
) -> CalendarConnector:
    """A new connector for the firm; every field checked, nothing written on bad input."""
    if session.get(Firm, firm_id) is None:
        raise NotFound(f"there is no firm {firm_id}")
    if kind not in CALENDAR_KINDS:
        raise Invalid(f"kind must be one of {', '.join(CALENDAR_KINDS)}")
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise Invalid("the name must be 1 to 100 characters")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise Invalid("the URL must be an http(s) address of at most 500 characters")
    if parts.username or parts.password:
        raise Invalid("put no credentials in the URL; name an environment variable instead")
    username = (username or "").strip() or None
    if username is not None and len(username) > 254:
        raise Invalid("the user name must be at most 254 characters")
    secret_env = (secret_env or "").strip() or None
    if secret_env is not None and not ENV_NAME.fullmatch(secret_env):
        raise Invalid(
            "give the name of the environment variable holding the secret "
            "(FLIPSIDE_CAL_ followed by capitals, digits or _), not the secret itself"
        )
    if not 1 <= lookback_days <= 90:
        raise Invalid("lookback_days must be between 1 and 90")
    row = CalendarConnector(
        firm_id=firm_id,
        kind=kind,
        name=name,
        url=url,
        username=username,
        secret_env=secret_env,
        lookback_days=lookback_days,
        enabled=True,
        failures=0,
    )
    session.add(row)
    session.flush()
    return row


def connectors_of(session: Session, firm_id: int | None = None) -> list[CalendarConnector]:
    query = select(CalendarConnector).order_by(CalendarConnector.id)
    if firm_id is not None:
        query = query.where(CalendarConnector.firm_id == firm_id)
    return list(session.scalars(query))


def set_enabled(session: Session, connector_id: int, enabled: bool) -> CalendarConnector:
    row = session.get(CalendarConnector, connector_id)
    if row is None:
        raise NotFound(f"there is no calendar connector {connector_id}")
    row.enabled = enabled
    session.flush()
    return row


def read_secret(connector: CalendarConnector, environ: Mapping[str, str]) -> str | None:
    if connector.secret_env is None:
        return None
    value = environ.get(connector.secret_env)
    if not value:
        raise SourceError(f"the environment variable {connector.secret_env} is not set")
    return value


def window_of(connector: CalendarConnector, now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=connector.lookback_days), now + timedelta(days=1)


def graph_login(url: str) -> str:
    """Microsoft's sign-in for graph.microsoft.com; otherwise the API's own origin."""
    parts = urlsplit(url)
    if parts.hostname == "graph.microsoft.com":
        return LOGIN
    return f"{parts.scheme}://{parts.netloc}"


def fetch_events(
    connector: CalendarConnector, secret: str | None, now: datetime, mailboxes: list[str]
) -> Read:
    """Read the connector's calendar for its window (CalDAV, ICS, or the mentors' mailboxes
    in Microsoft 365 or Google Calendar)."""
    since, until = window_of(connector, now)
    if connector.kind in ("graph", "google"):
        if not secret or not connector.username:
            raise SourceError("this connector needs a user name and a secret")
        if connector.kind == "google":
            events, complete, state = fetch_google(
                connector.url, connector.username, secret, mailboxes,
                connector.sync_state, since, until, now,
            )  # fmt: skip
            return Read(events, complete, state)
        login = graph_login(connector.url)
        return Read(
            fetch_graph(
                connector.url, login, connector.username, secret, mailboxes, since, until, now
            )
        )
    if connector.kind == "caldav":
        texts = fetch_caldav(connector.url, connector.username, secret, since, until)
    elif connector.kind == "ics":
        texts = fetch_ics(connector.url, connector.username, secret, now)
    else:
        raise SourceError(f"{connector.kind} connectors cannot be read by this version")
    try:
        return Read(parse_events(texts, since, until))
    except BadCalendar:
        raise SourceError("the calendar sent something that is not iCalendar data") from None


def _failed(connector: CalendarConnector, error: SourceError, now: datetime) -> None:
    connector.failures += 1
    connector.last_error = error.message[:200]
    backoff = min(timedelta(minutes=2 ** (connector.failures - 1)), MAX_BACKOFF)
    if error.retry_after is not None:
        backoff = max(backoff, timedelta(seconds=error.retry_after))
    connector.retry_after = now + backoff


def sync_connector(
    session: Session,
    connector_id: int,
    now: datetime,
    environ: Mapping[str, str],
    *,
    dry_run: bool = False,
    fetch: Fetcher = fetch_events,
) -> SyncReport:
    """Read one connector and apply what it says; a dry run writes nothing at all."""
    connector = session.get(CalendarConnector, connector_id, with_for_update=not dry_run)
    if connector is None:
        raise NotFound(f"there is no calendar connector {connector_id}")
    report = SyncReport(connector.id)
    if not dry_run:
        if connector.retry_after is not None and now < connector.retry_after:
            report.error = "waiting before the next try (backoff)"
            return report
        connector.last_attempt_at = now
    try:
        mailboxes = sorted({p.mentor_email for p in active_pairings(session, connector.firm_id)})
        read = fetch(connector, read_secret(connector, environ), now, mailboxes)
    except SourceError as exc:
        report.error = exc.message
        if not dry_run:
            _failed(connector, exc, now)
            session.flush()
        return report
    since, _ = window_of(connector, now)
    report.outcomes = apply_events(
        session,
        connector_id=connector.id,
        firm_id=connector.firm_id,
        source=connector.kind,
        events=read.events,
        now=now,
        # Events that began before the window's start are not read: keep their day out.
        window=(since.date() + timedelta(days=1), now.date()),
        dry_run=dry_run,
        complete=read.complete,
    )
    if not dry_run:
        connector.sync_state = read.state
        connector.last_success_at = now
        connector.failures = 0
        connector.last_error = None
        connector.retry_after = None
        session.flush()
    return report


def due_connectors(session: Session, now: datetime) -> list[int]:
    """Enabled connectors of readable kinds not waiting on a backoff."""
    return [
        c.id
        for c in connectors_of(session)
        if c.enabled
        and c.kind in READABLE_KINDS
        and (c.retry_after is None or c.retry_after <= now)
    ]


def health(session: Session) -> dict[str, object]:
    """For /healthz: how many connectors, the oldest last success, which are failing."""
    rows = [c for c in connectors_of(session) if c.enabled]
    successes = [c.last_success_at for c in rows if c.last_success_at is not None]
    return {
        "connectors": len(rows),
        "oldest_last_success": min(successes).isoformat() if successes else None,
        "failing": [c.id for c in rows if c.failures >= FAILING_AFTER],
    }
