"""The ``promotion_dates`` column: dates, each optionally ``=level``, read back from today's level.

A bare date is a promotion to the next level up, counting back from the
person's current level, so the last date is the promotion to the level held now.
"""

from __future__ import annotations

from datetime import date

from surveys.domain.vocab import LEVELS
from surveys.services.people.problems import RowProblem


def parse_date(text: str, column: str, row: int, problems: list[RowProblem]) -> date | None:
    """The ISO date in ``text``, or None with a problem recorded for ``column``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(RowProblem(row, column, f"{text!r} is not a date (use YYYY-MM-DD)"))
        return None


def parse_promotions(
    text: str, level: str, row: int, problems: list[RowProblem]
) -> list[tuple[date, str]]:
    """(date, level reached) in date order; empty, with problems recorded, when unreadable."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    found: list[tuple[date, str | None]] = []
    for part in parts:
        when, _, to_level = part.partition("=")
        on = parse_date(when.strip(), "promotion_dates", row, problems)
        wanted = to_level.strip().lower() or None
        if wanted is not None and wanted not in LEVELS:
            problems.append(
                RowProblem(row, "promotion_dates", f"unknown level {to_level.strip()!r}")
            )
            return []
        if on is not None:
            found.append((on, wanted))
    dates = [d for d, _ in found]
    if len(set(dates)) != len(dates):
        problems.append(RowProblem(row, "promotion_dates", "the same date is given twice"))
        return []
    found.sort(key=lambda p: p[0])
    result: list[tuple[date, str]] = []
    rung = LEVELS.index(level) if level in LEVELS else len(LEVELS) - 1
    for on, wanted in reversed(found):
        if wanted is None:
            if rung < 1:
                problems.append(
                    RowProblem(
                        row,
                        "promotion_dates",
                        f"more promotions than levels below {level!r}; name the level "
                        "(2024-09-01=associate)",
                    )
                )
                return []
            wanted = LEVELS[rung]
        result.append((on, wanted))
        rung = LEVELS.index(wanted) - 1
    result.reverse()
    return result
