"""Periods a response is stored and counted under: ISO weeks, months, rounds.

A week belongs to the month of its Thursday (as ISO weeks belong to years),
so every week lies in exactly one month and a month is a whole number of weeks.
"""

from __future__ import annotations

from datetime import date, timedelta


def week_of(day: date) -> str:
    """``2026-W07`` for a day of that ISO week."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def month_of_week(week: str) -> str:
    """The month a week belongs to: its Thursday's."""
    return f"{week_start(week) + timedelta(days=3):%Y-%m}"


def weeks_of_month(month: str) -> list[str]:
    """The weeks whose Thursday falls in ``month`` (``2026-02``), in order."""
    year, number = (int(part) for part in month.split("-"))
    day = date(year, number, 1)
    day += timedelta(days=(3 - day.weekday()) % 7)  # the month's first Thursday
    weeks = []
    while day.month == number:
        weeks.append(week_of(day))
        day += timedelta(days=7)
    return weeks


def week_ended(week: str, today: date) -> bool:
    return today >= week_start(week) + timedelta(days=7)


def month_ended(month: str, today: date) -> bool:
    """Every week of the month has ended."""
    return week_ended(weeks_of_month(month)[-1], today)


def week_after_month(month: str) -> str:
    """The first week of the following month."""
    last = week_start(weeks_of_month(month)[-1])
    return week_of(last + timedelta(days=7))
