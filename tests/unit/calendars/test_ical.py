"""iCalendar to events: series expanded, moved occurrences, time zones, replies, status."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from surveys.calendars.ical import BadCalendar, parse_events

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2026, 2, 1, tzinfo=UTC)


def calendar(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{body}END:VCALENDAR\r\n"


WEEKLY = """UID:series-1
DTSTART;TZID=America/New_York:20260105T190000
DTEND;TZID=America/New_York:20260105T200000
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Mentoring
ORGANIZER:mailto:Mentor@Firm.example
ATTENDEE;PARTSTAT=ACCEPTED:mailto:mentee@firm.example"""


def test_a_weekly_series_is_one_event_per_occurrence_each_with_its_own_key() -> None:
    events = parse_events([calendar(WEEKLY)], SINCE, UNTIL)
    assert [e.start.astimezone(UTC) for e in events] == [
        datetime(2026, 1, d, 0, 0, tzinfo=UTC) for d in (6, 13, 20)
    ]
    assert len({e.key for e in events}) == 3
    # 19:00 in New York is the next day in UTC: the meeting's date is New York's.
    assert [e.held_on for e in events] == [date(2026, 1, d) for d in (5, 12, 19)]
    assert {a.email for a in events[0].attendees} == {"mentor@firm.example", "mentee@firm.example"}


def test_a_moved_occurrence_keeps_its_key_and_takes_its_new_date() -> None:
    moved = """UID:series-1
RECURRENCE-ID;TZID=America/New_York:20260112T190000
DTSTART;TZID=America/New_York:20260114T090000
DTEND;TZID=America/New_York:20260114T100000
ORGANIZER:mailto:mentor@firm.example
ATTENDEE;PARTSTAT=ACCEPTED:mailto:mentee@firm.example"""
    before = parse_events([calendar(WEEKLY)], SINCE, UNTIL)
    after = parse_events([calendar(WEEKLY, moved)], SINCE, UNTIL)
    assert [e.key for e in before] == [e.key for e in after]
    assert after[1].held_on == date(2026, 1, 14)


def test_a_single_event_keeps_its_key_when_it_is_moved() -> None:
    one = "UID:single\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z"
    two = "UID:single\r\nDTSTART:20260107T100000Z\r\nDTEND:20260107T110000Z"
    [a] = parse_events([calendar(one)], SINCE, UNTIL)
    [b] = parse_events([calendar(two)], SINCE, UNTIL)
    assert a.key == b.key == "single" and b.held_on == date(2026, 1, 7)


def test_status_and_declines_are_read() -> None:
    text = calendar(
        """UID:x
DTSTART:20260105T100000Z
DURATION:PT1H
STATUS:CANCELLED
ATTENDEE;PARTSTAT=DECLINED:mailto:a@firm.example
ATTENDEE:mailto:b@firm.example"""
    )
    [e] = parse_events([text], SINCE, UNTIL)
    assert e.cancelled and e.end == datetime(2026, 1, 5, 11, tzinfo=UTC)
    assert {(a.email, a.declined) for a in e.attendees} == {
        ("a@firm.example", True),
        ("b@firm.example", False),
    }


def test_an_all_day_event_ends_at_midnight_of_its_end_date() -> None:
    [e] = parse_events(
        [calendar("UID:d\r\nDTSTART;VALUE=DATE:20260105\r\nDTEND;VALUE=DATE:20260106")],
        SINCE,
        UNTIL,
    )
    assert e.held_on == date(2026, 1, 5) and e.end == datetime(2026, 1, 6, tzinfo=UTC)


def test_text_that_is_not_icalendar_is_refused() -> None:
    with pytest.raises(BadCalendar):
        parse_events(["<html>login</html>"], SINCE, UNTIL)
