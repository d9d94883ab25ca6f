"""The closed vocabularies of the domain, and how raw attributes coarsen to bands.

The bands are what a response's cohort snapshot stores instead of the raw
attribute, so an answer can be compared across cohorts without pointing at a
person (PRODUCT.md 2.3).
"""

from __future__ import annotations

from datetime import date
from typing import Final

LEVELS: Final = ("trainee", "associate", "senior associate", "counsel", "partner", "board")
ROLES: Final = ("mentor", "mentee", "comparison")
PROGRAMME_STATUSES: Final = ("pilot", "active", "closed")
WORKING_PATTERNS: Final = ("full-time", "part-time")
#: The calendar connectors; each is also the source of the meetings it records.
CALENDAR_KINDS: Final = ("caldav", "ics", "graph", "google")
MEETING_SOURCES: Final = ("participant", "staff", "csv", "api", "webhook", "demo", *CALENDAR_KINDS)
LEVEL_BANDS: Final = ("junior", "mid", "senior")
TENURE_BANDS: Final = ("<2y", "2-5y", "5-10y", "10y+")
GENDER_GROUPS: Final = ("woman", "man", "another", "undisclosed")
PREFER_NOT_TO_SAY: Final = "prefer not to say"
#: Why someone left, as HR records it (the categories the retention comparisons use).
LEAVE_REASONS: Final = (
    "resigned",
    "retired",
    "redundancy",
    "dismissed",
    "end of contract",
    "other",
)

#: The cohort a response is counted in: the coarse attributes its snapshot stores.
#: Adding or renaming a cohort dimension starts here (and in the models' columns).
COHORT: Final = ("role", "level_band", "tenure_band", "gender_group")
#: The values each cohort dimension may take.
COHORT_VALUES: Final[dict[str, tuple[str, ...]]] = {
    "role": ROLES,
    "level_band": LEVEL_BANDS,
    "tenure_band": TENURE_BANDS,
    "gender_group": GENDER_GROUPS,
}
#: The unique key of an aggregate cell, in the order of its unique constraint.
CELL_KEY: Final = (
    "survey_key",
    "survey_version",
    "question_key",
    "item",
    "firm_id",
    "programme_id",
    *COHORT,
    "period_kind",
    "period",
)

_LEVEL_BAND = {
    "trainee": "junior",
    "associate": "junior",
    "senior associate": "mid",
    "counsel": "mid",
    "partner": "senior",
    "board": "senior",
}


def level_band(level: str) -> str:
    """Coarsen a level to junior / mid / senior."""
    return _LEVEL_BAND[level]


def tenure_band(started_on: date, on: date) -> str:
    """Coarsen years of service at ``on`` to one of TENURE_BANDS."""
    years = (on - started_on).days / 365.25
    if years < 2:
        return "<2y"
    if years < 5:
        return "2-5y"
    if years < 10:
        return "5-10y"
    return "10y+"


def gender_group(gender: str | None) -> str:
    """Coarsen a self-described gender; anything unstated or declined is 'undisclosed'."""
    if gender is None:
        return "undisclosed"
    value = gender.strip().lower()
    if value in {"", PREFER_NOT_TO_SAY}:
        return "undisclosed"
    if value in {"woman", "female", "f"}:
        return "woman"
    if value in {"man", "male", "m"}:
        return "man"
    return "another"


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """A CHECK-constraint expression allowing exactly ``values`` in ``column``."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"
