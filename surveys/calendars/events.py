"""The connector-neutral calendar event: only what the meeting rule needs.

A connector turns whatever its calendar sends into :class:`CalendarEvent` values;
the subject, description and location are never copied into one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

#: An attendee's reply that means "not coming" (iCalendar PARTSTAT, Graph and Google map to it).
DECLINED = "DECLINED"


@dataclass(frozen=True)
class Attendee:
    email: str
    declined: bool = False


@dataclass(frozen=True)
class CalendarEvent:
    """One occurrence of a calendar event.

    ``key`` identifies the occurrence across deliveries (the UID and, for an
    occurrence of a series, its original start); it is hashed before it is kept.
    ``held_on`` is the local date where the event was scheduled (its own time zone).
    """

    key: str
    start: datetime
    end: datetime
    held_on: date
    cancelled: bool
    attendees: tuple[Attendee, ...]

    def occurrence_hash(self) -> str:
        """An opaque digest of ``key``: what is stored instead of the calendar's UID."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:40]


def normalise_email(raw: str) -> str:
    """``mailto:Ann@Firm.example`` -> ``ann@firm.example``."""
    text = raw.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()
