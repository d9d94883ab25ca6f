"""A programme's evaluation plan: what will be compared, declared before the results exist.

A plan lists its planned comparisons in a fixed order -- each an outcome (a
comparison-builder outcome key: ``climate:<question>``, ``index:climate``,
``pulse:<question>``, ``hr:retention`` ...) under one comparison
(``participants``, ``matched``, ``did``, ``mentors-mentees``), primary or
secondary -- with the alpha and the multiplicity correction applied across the
whole plan (Holm by default), the effect the lead hopes for (Cohen's d) and
the group sizes expected, from which its power is stated
(:mod:`surveys.domain.plan_power`).

:func:`default_plan` derives a plan from the instruments, so a lead who
declares nothing still has one: before/after (difference-in-differences) on
every scored climate item, the 0-10 "would you recommend the firm" included,
as the primary outcomes; participants vs the comparison group on the climate
index and the recommend item, retention and promotion, and mentors vs mentees
on the pulse items both roles answer, as secondary ones.

Everything here is pure: the stored form is :meth:`Plan.to_dict` as JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from surveys.definitions import CLIMATE, PULSE_FOR_ROLE, catalogue

#: The comparisons a plan may name, in words (a benchmark against other firms is never planned).
PLANNABLE = {
    "did": "Before vs after (difference-in-differences, participants vs comparison group)",
    "participants": "Participants vs comparison group",
    "matched": "Participants vs comparison group, matched on cohort",
    "mentors-mentees": "Mentors vs mentees",
}
CORRECTIONS = {"holm": "Holm", "BH": "Benjamini-Hochberg"}
#: The groups a plan expects answers from (its power rests on them).
GROUPS = ("participants", "comparison", "mentors", "mentees")
#: Share of the people enrolled expected to answer, for the default sizes.
DEFAULT_RESPONSE_RATE = 0.6
DEFAULT_HOPED_EFFECT = 0.3


class PlanError(ValueError):
    """A plan that cannot be used; the message says what to correct."""


@dataclass(frozen=True)
class Planned:
    """One planned comparison: an outcome under a comparison, primary or secondary."""

    outcome: str
    comparison: str
    primary: bool

    @property
    def key(self) -> tuple[str, str]:
        return (self.outcome, self.comparison)


@dataclass(frozen=True)
class Plan:
    items: tuple[Planned, ...]
    alpha: float = 0.05
    correction: str = "holm"
    hoped_effect: float = DEFAULT_HOPED_EFFECT
    #: Expected answers per group (:data:`GROUPS`).
    expected: dict[str, int] = field(default_factory=dict)

    def has(self, outcome: str, comparison: str) -> bool:
        """Whether the comparison of ``outcome`` as ``comparison`` was planned."""
        return (outcome, comparison) in {item.key for item in self.items}

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [
                {"outcome": i.outcome, "comparison": i.comparison, "primary": i.primary}
                for i in self.items
            ],
            "alpha": self.alpha,
            "correction": self.correction,
            "hoped_effect": self.hoped_effect,
            "expected": {g: int(self.expected.get(g, 0)) for g in GROUPS},
        }

    @classmethod
    def from_dict(cls, data: Any) -> Plan:
        """The plan ``data`` describes, checked; :class:`PlanError` says what is wrong."""
        if not isinstance(data, dict):
            raise PlanError("a plan is an object with 'items', 'alpha' and 'correction'")
        raw = data.get("items")
        if not isinstance(raw, list) or not raw:
            raise PlanError("a plan needs at least one planned comparison ('items')")
        items = []
        for entry in raw:
            if not isinstance(entry, dict):
                raise PlanError("each planned comparison has 'outcome', 'comparison', 'primary'")
            outcome, comparison = entry.get("outcome"), entry.get("comparison")
            primary = entry.get("primary", False)
            if not isinstance(outcome, str) or not isinstance(comparison, str):
                raise PlanError("each planned comparison names an 'outcome' and a 'comparison'")
            if not isinstance(primary, bool):
                raise PlanError("'primary' is true or false")
            items.append(Planned(outcome, comparison, primary))
        expected = data.get("expected", {})
        if not isinstance(expected, dict):
            raise PlanError("'expected' gives the expected answers per group")
        plan = cls(
            tuple(items),
            _number(data.get("alpha", 0.05), "alpha"),
            str(data.get("correction", "holm")),
            _number(data.get("hoped_effect", DEFAULT_HOPED_EFFECT), "hoped_effect"),
            {g: _count(expected.get(g, 0), g) for g in GROUPS},
        )
        return checked(plan)


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanError(f"'{name}' must be a number")
    if not math.isfinite(value):
        raise PlanError(f"'{name}' must be a finite number")
    return float(value)


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000_000:
        raise PlanError(f"the expected answers of '{name}' must be a whole number from 0")
    return value


def checked(plan: Plan) -> Plan:
    """``plan`` if its settings and comparisons are usable; :class:`PlanError` otherwise."""
    if not 0.001 <= plan.alpha <= 0.2:
        raise PlanError("alpha must be between 0.001 and 0.2")
    if plan.correction not in CORRECTIONS:
        raise PlanError(f"the correction must be one of {', '.join(CORRECTIONS)}")
    if not 0.01 <= plan.hoped_effect <= 5:
        raise PlanError("the hoped-for effect (Cohen's d) must be between 0.01 and 5")
    seen: set[tuple[str, str]] = set()
    for item in plan.items:
        if item.comparison not in PLANNABLE:
            raise PlanError(
                f"{item.comparison[:40]!r} cannot be planned; choose from {', '.join(PLANNABLE)}"
            )
        if item.key in seen:
            raise PlanError(f"{item.outcome} as {item.comparison} is planned twice")
        seen.add(item.key)
    if not any(item.primary for item in plan.items):
        raise PlanError("mark at least one planned comparison as primary")
    if len(plan.items) > 40:
        raise PlanError("a plan holds at most 40 comparisons")
    return plan


def allowed_by(plan: Plan, allowed: dict[str, frozenset[str]]) -> Plan:
    """``plan`` if every outcome exists and allows its comparison (``allowed``: outcome key ->
    the comparisons it allows, the builder's catalogue)."""
    for item in plan.items:
        if item.outcome not in allowed:
            raise PlanError(f"there is no outcome {item.outcome[:60]!r}")
        if item.comparison not in allowed[item.outcome]:
            raise PlanError(f"{item.outcome} cannot be compared as {PLANNABLE[item.comparison]}")
    return plan


def expected_from(enrolled: dict[str, int], rate: float = DEFAULT_RESPONSE_RATE) -> dict[str, int]:
    """Expected answers per group: the people enrolled in each role times ``rate``."""
    mentors, mentees = enrolled.get("mentor", 0), enrolled.get("mentee", 0)
    return {
        "participants": math.floor((mentors + mentees) * rate),
        "comparison": math.floor(enrolled.get("comparison", 0) * rate),
        "mentors": math.floor(mentors * rate),
        "mentees": math.floor(mentees * rate),
    }


def default_plan(expected: dict[str, int]) -> Plan:
    """The plan a lead gets without declaring one (see the module docstring)."""
    climate = catalogue().current(CLIMATE)
    scored = [q for q in climate.questions if q.type in ("likert5", "scale0_10")]
    items = [Planned(f"climate:{q.key}", "did", True) for q in scored]
    items.append(Planned("index:climate", "participants", False))
    items += [
        Planned(f"climate:{q.key}", "participants", False) for q in scored if q.type == "scale0_10"
    ]
    items += [Planned("hr:retention", "participants", False)]
    items += [Planned("hr:promotion", "participants", False)]
    pulses = [catalogue().current(key) for key in PULSE_FOR_ROLE.values()]
    both = [
        q
        for q in pulses[0].questions
        if q.type in ("likert5", "scale0_10")
        and any(o.key == q.key and o.type == q.type for o in pulses[1].questions)
    ]
    items += [Planned(f"pulse:{q.key}", "mentors-mentees", False) for q in both]
    return Plan(tuple(items), expected={g: expected.get(g, 0) for g in GROUPS})
