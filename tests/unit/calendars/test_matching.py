"""The meeting rule: both people of a pairing, few enough others, nobody declined, ended."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from surveys.calendars.events import Attendee, CalendarEvent, normalise_email
from surveys.calendars.matching import PairingRef, decide

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PAIR = PairingRef(7, "mentor@firm.example", "mentee@firm.example", 1, date(2026, 1, 1))
OTHER = PairingRef(8, "m2@firm.example", "e2@firm.example", 0, date(2026, 1, 1))


def event(*emails: str, declined: tuple[str, ...] = (), **kw: object) -> CalendarEvent:
    start = kw.pop("start", NOW - timedelta(hours=3))
    assert isinstance(start, datetime)
    values: dict[str, object] = {
        "key": "uid-1",
        "start": start,
        "end": start + timedelta(hours=1),
        "held_on": start.date(),
        "cancelled": False,
        "attendees": tuple(Attendee(e, e in declined) for e in emails),
        **kw,
    }
    return CalendarEvent(**values)  # type: ignore[arg-type]


def test_an_ended_event_with_both_people_is_a_meeting_of_their_pairing_only() -> None:
    [decision] = decide(event(PAIR.mentor_email, PAIR.mentee_email), [PAIR, OTHER], NOW)
    assert (decision.pairing_id, decision.held_on, decision.meeting) == (7, NOW.date(), True)


def test_one_person_of_the_pair_is_no_decision_at_all() -> None:
    assert decide(event(PAIR.mentor_email, "someone@firm.example"), [PAIR], NOW) == []


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"cancelled": True}, "cancelled"),
        ({"declined": ("mentee@firm.example",)}, "declined"),
        ({"declined": ("mentor@firm.example",)}, "declined"),
        ({"start": NOW - timedelta(minutes=30)}, "not_ended"),
        ({"start": datetime(2025, 12, 30, 9, tzinfo=UTC)}, "outside_pairing"),
    ],
)
def test_what_is_not_a_meeting_says_why(kw: dict[str, object], reason: str) -> None:
    [decision] = decide(event(PAIR.mentor_email, PAIR.mentee_email, **kw), [PAIR], NOW)  # type: ignore[arg-type]
    assert (decision.meeting, decision.reason) == (False, reason)


def test_others_beyond_the_programmes_rule_make_it_no_mentoring_meeting() -> None:
    one_more = event(PAIR.mentor_email, PAIR.mentee_email, "room@firm.example")
    two_more = event(PAIR.mentor_email, PAIR.mentee_email, "a@firm.example", "b@firm.example")
    assert decide(one_more, [PAIR], NOW)[0].meeting is True
    assert decide(two_more, [PAIR], NOW)[0].reason == "too_many_others"
    strict = PairingRef(9, PAIR.mentor_email, PAIR.mentee_email, 0, date(2026, 1, 1))
    assert decide(one_more, [strict], NOW)[0].reason == "too_many_others"


def test_a_declined_other_attendee_does_not_matter() -> None:
    e = event(
        PAIR.mentor_email, PAIR.mentee_email, "room@firm.example", declined=("room@firm.example",)
    )
    assert decide(e, [PAIR], NOW)[0].meeting is True


def test_an_event_that_ended_exactly_now_counts() -> None:
    e = event(PAIR.mentor_email, PAIR.mentee_email, start=NOW - timedelta(hours=1))
    assert decide(e, [PAIR], NOW)[0].meeting is True


def test_a_pairing_that_ended_before_the_event_is_not_met() -> None:
    over = PairingRef(
        7, PAIR.mentor_email, PAIR.mentee_email, 1, date(2026, 1, 1), date(2026, 3, 1)
    )
    assert decide(event(PAIR.mentor_email, PAIR.mentee_email), [over], NOW)[0].reason == (
        "outside_pairing"
    )


def test_addresses_are_compared_without_mailto_and_case() -> None:
    assert normalise_email(" MAILTO:Mentor@Firm.Example ") == "mentor@firm.example"


def test_the_stored_key_is_a_digest_not_the_uid() -> None:
    e = event(PAIR.mentor_email, key="secret-uid@firm.example")
    assert "secret" not in e.occurrence_hash() and len(e.occurrence_hash()) == 40
    assert e.occurrence_hash() == event(key="secret-uid@firm.example").occurrence_hash()
