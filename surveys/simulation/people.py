"""A firm's synthetic workforce and its HR outcomes (leaving, promotions) over two years."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from surveys.domain.vocab import LEVELS, PREFER_NOT_TO_SAY
from surveys.simulation import effects

PRACTICES = ("Corporate", "Disputes", "Finance", "Real Estate", "Employment", "Tax", "Competition")
OFFICES = ("London", "Manchester", "Bristol", "Leeds")
FIRST = (
    "Amara Ben Chloe Dev Ella Femi Grace Hamid Isla Jun Kofi Lena Marek Nia Omar Priya Quinn "
    "Rosa Sam Tara Uma Victor Wen Xavier Yara Zain"
).split()
LAST = "Adeyemi Brook Chen Dunmore Evans Fitzroy Gill Hart Iqbal Jones Kaur Lowe Mensah".split()
LEVEL_MIX = (0.08, 0.34, 0.20, 0.10, 0.24, 0.04)
#: Years of service at the start of the window, by level.
TENURE = {
    "trainee": (0.0, 1.5),
    "associate": (1.0, 6.0),
    "senior associate": (4.0, 10.0),
    "counsel": (7.0, 18.0),
    "partner": (8.0, 28.0),
    "board": (15.0, 35.0),
}
#: Yearly hazard of promotion out of each level.
PROMOTION_HAZARD = {
    "trainee": 0.6,
    "associate": 0.18,
    "senior associate": 0.15,
    "counsel": 0.08,
    "partner": 0.02,
    "board": 0.0,
}
GENDERS = (("woman", 0.48), ("man", 0.44), (PREFER_NOT_TO_SAY, 0.04), (None, 0.03))
ETHNICITIES = (
    ("White", 0.62),
    ("Asian or Asian British", 0.16),
    ("Black, Black British, Caribbean or African", 0.07),
    ("Mixed or multiple ethnic groups", 0.05),
    ("Another ethnic group", 0.02),
    (PREFER_NOT_TO_SAY, 0.04),
    (None, 0.04),
)
LEAVE_REASONS = (("resigned", 0.72), ("retired", 0.08), ("redundancy", 0.06), ("other", 0.14))
JUNIOR = ("trainee", "associate", "senior associate")
SENIOR = ("partner", "board")


@dataclass
class SimPerson:
    """A person as the simulator sees them (the database row is made from this)."""

    internal_id: str
    email: str
    level_at_start: str
    practice_area: str
    office: str
    started_on: date
    working_pattern: str
    gender: str | None
    ethnicity: str | None
    left_on: date | None = None
    leave_reason: str | None = None
    promotions: list[tuple[date, str]] = field(default_factory=list)

    def level_on(self, day: date) -> str:
        level = self.level_at_start
        for on, to_level in self.promotions:
            if on <= day:
                level = to_level
        return level

    @property
    def level(self) -> str:
        return self.level_on(date.max)

    def employed_on(self, day: date) -> bool:
        return self.started_on <= day and (self.left_on is None or self.left_on > day)


def _pick(rng: random.Random, weighted: tuple[tuple[str | None, float], ...]) -> str | None:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _after(rng: random.Random, start: date, hazard_per_year: float) -> date | None:
    """The day an event with a constant yearly hazard happens after ``start`` (None: never)."""
    if hazard_per_year <= 0:
        return None
    return start + timedelta(days=max(1, round(rng.expovariate(hazard_per_year) * 365.25)))


def workforce(
    rng: random.Random, prefix: str, domain: str, size: int, window_start: date, split: date
) -> list[SimPerson]:
    """``size`` people employed at ``window_start`` or hired before ``split``.

    Leaving and promotions are simulated up to ``split`` only; :func:`after_split`
    continues once it is known who took part in the programme.
    """
    people = []
    for i in range(size):
        level = rng.choices(LEVELS, LEVEL_MIX)[0]
        low, high = TENURE[level]
        if rng.random() < 0.08:  # hired during the first year of the window
            started = window_start + timedelta(
                days=rng.randint(0, (split - window_start).days - 30)
            )
        else:
            started = window_start - timedelta(days=round(rng.uniform(low, high) * 365.25))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        person = SimPerson(
            internal_id=f"{prefix}{10000 + i}",
            email=f"{first}.{last}.{i}@{domain}".lower(),
            level_at_start=level,
            practice_area=rng.choice(PRACTICES),
            office=rng.choices(OFFICES, (0.55, 0.2, 0.15, 0.1))[0],
            started_on=started,
            working_pattern="part-time" if rng.random() < 0.12 else "full-time",
            gender=_pick(rng, GENDERS),
            ethnicity=_pick(rng, ETHNICITIES),
        )
        _promote(rng, person, max(window_start, started), split)
        _leave(rng, person, max(window_start, started), split, effects.LEAVING_HAZARD_PER_YEAR)
        if person.left_on is not None:
            person.promotions = [p for p in person.promotions if p[0] < person.left_on]
        people.append(person)
    return people


def _promote(rng: random.Random, person: SimPerson, start: date, end: date) -> None:
    day, level = start, person.level_on(start)
    while True:
        nxt = _after(rng, day, PROMOTION_HAZARD[level])
        if nxt is None or nxt >= end:
            return
        level = LEVELS[LEVELS.index(level) + 1]
        person.promotions.append((nxt, level))
        day = nxt


def _leave(rng: random.Random, person: SimPerson, start: date, end: date, hazard: float) -> None:
    day = _after(rng, start, hazard)
    if day is not None and day < end:
        person.left_on = day
        person.leave_reason = _pick(rng, LEAVE_REASONS)


def after_split(
    rng: random.Random, people: list[SimPerson], participants: set[str], split: date, today: date
) -> None:
    """Continue HR histories from ``split`` to ``today``; participants leave less often."""
    for person in people:
        if person.left_on is not None:
            continue
        _promote(rng, person, split, today)
        ratio = (
            effects.PARTICIPANT_LEAVING_HAZARD_RATIO if person.internal_id in participants else 1
        )
        _leave(rng, person, split, today, effects.LEAVING_HAZARD_PER_YEAR * ratio)
        if person.left_on is not None:
            person.promotions = [p for p in person.promotions if p[0] < person.left_on]
