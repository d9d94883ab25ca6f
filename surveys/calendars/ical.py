"""iCalendar text to :class:`CalendarEvent` values, recurring series expanded.

Every occurrence of a series in the window is its own event, keyed by the UID and
the occurrence's original start (its RECURRENCE-ID), so moving one occurrence moves
that meeting only. A single event is keyed by its UID alone, so moving it keeps its
key. Times keep their own time zone; the date of a meeting is the local date where
it was scheduled. A floating time (no zone) is read as UTC; an all-day event ends at
midnight UTC of its end date. Only times, status and attendees are read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

import icalendar
import recurring_ical_events

from surveys.calendars.events import DECLINED, Attendee, CalendarEvent, normalise_email


class BadCalendar(ValueError):
    """The text is not iCalendar data this reader can use."""


def _aware(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(), tzinfo=UTC)


def _attendees(component: Any) -> tuple[Attendee, ...]:
    raw = component.get("ATTENDEE")
    if raw is None:
        items: list[Any] = []
    elif isinstance(raw, list):
        items = raw
    else:
        items = [raw]
    people: dict[str, bool] = {}
    organizer = component.get("ORGANIZER")
    if organizer is not None:
        people[normalise_email(str(organizer))] = False
    for item in items:
        email = normalise_email(str(item))
        partstat = str(getattr(item, "params", {}).get("PARTSTAT", "")).upper()
        people[email] = partstat == DECLINED
    return tuple(Attendee(email, declined) for email, declined in sorted(people.items()))


def _series_uids(calendar: Any) -> set[str]:
    return {
        str(c.get("UID"))
        for c in calendar.walk("VEVENT")
        if any(name in c for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
    }


def _event(component: Any, series: set[str]) -> CalendarEvent | None:
    uid = component.get("UID")
    if uid is None or "DTSTART" not in component:
        return None
    start_value = component.decoded("DTSTART")
    if "DTEND" in component:
        end_value = component.decoded("DTEND")
    elif "DURATION" in component:
        end_value = start_value + component.decoded("DURATION")
    else:
        end_value = start_value
    key = str(uid)
    if key in series and component.get("RECURRENCE-ID") is not None:
        original = _aware(component.get("RECURRENCE-ID").dt).astimezone(UTC)
        key = f"{key}|{original.isoformat()}"
    held_on = start_value.date() if isinstance(start_value, datetime) else start_value
    return CalendarEvent(
        key=key,
        start=_aware(start_value),
        end=_aware(end_value),
        held_on=held_on,
        cancelled=str(component.get("STATUS", "")).upper() == "CANCELLED",
        attendees=_attendees(component),
    )


def parse_events(
    texts: Iterable[str | bytes], since: datetime, until: datetime
) -> list[CalendarEvent]:
    """Every occurrence starting in ``[since, until)`` in the given iCalendar texts."""
    found: list[CalendarEvent] = []
    for text in texts:
        try:
            calendar = icalendar.Calendar.from_ical(text)
        except ValueError as exc:
            raise BadCalendar("not iCalendar data") from exc
        series = _series_uids(calendar)
        for component in recurring_ical_events.of(calendar).between(since, until):
            event = _event(component, series)
            if event is not None:
                found.append(event)
    return found
