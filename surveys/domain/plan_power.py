"""The power an evaluation plan states for each planned comparison.

For a comparison of two groups expected to answer ``n1`` and ``n2`` times,
the minimum detectable effect is the smallest standardised difference
(Cohen's d) a two-sided Welch/t comparison detects with 80% power
(:func:`surveys.stats.power.minimum_detectable_effect`), and the power for the
effect the lead hopes for is :func:`surveys.stats.power.power_two_sample`.
Both are taken at alpha / m, m the planned comparisons: the first step of
Holm's procedure, so the figure is what the whole-plan correction allows (a
lower bound for the later steps).

A difference-in-differences compares two changes, each between two
independent rounds (repeated cross-sections), so its variance is twice that of
one round's comparison: it is sized as two groups of half the answers.
Time-to-event outcomes (retention, promotion) have their power in the number of
events, not answers, so none is stated for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys.domain.plan import Plan, Planned
from surveys.stats.power import minimum_detectable_effect, power_two_sample

SIDES = {
    "participants": ("participants", "comparison"),
    "matched": ("participants", "comparison"),
    "did": ("participants", "comparison"),
    "mentors-mentees": ("mentors", "mentees"),
}
POWER = 0.8


@dataclass(frozen=True)
class PlannedPower:
    """What one planned comparison can detect at the expected sizes (None: cannot say)."""

    n: tuple[int, int]
    mde: float | None
    power_at_hoped: float | None
    note: str


def alpha_per_step(plan: Plan) -> float:
    """Alpha of the correction's first step: alpha / m (Holm); alpha for Benjamini-Hochberg's
    last step is larger, so this is the cautious figure for both."""
    return plan.alpha / max(1, len(plan.items))


def planned_power(plan: Plan, item: Planned) -> PlannedPower:
    """The minimum detectable effect and the power for the hoped-for effect of ``item``."""
    if item.outcome.startswith("hr:"):
        return PlannedPower(
            (0, 0), None, None, "Time to an event: its power rests on the events, not stated."
        )
    a, b = SIDES[item.comparison]
    n1, n2 = plan.expected.get(a, 0), plan.expected.get(b, 0)
    if item.comparison == "did":
        n1, n2 = n1 // 2, n2 // 2
    if n1 < 2 or n2 < 2:
        return PlannedPower(
            (n1, n2), None, None, "Too few answers expected in one group to state its power."
        )
    alpha = alpha_per_step(plan)
    mde = minimum_detectable_effect(n1, n2, POWER, alpha)
    power = power_two_sample(plan.hoped_effect, n1, n2, alpha)
    sized = " (each change sized as half the answers)" if item.comparison == "did" else ""
    note = (
        f"With {plan.expected.get(a, 0)} and {plan.expected.get(b, 0)} answers expected{sized}, "
        f"80% power for d ≥ {mde:.2f}; power {power:.0%} for the hoped-for d = "
        f"{plan.hoped_effect:g} (at α/m = {alpha:.4f})."
    )
    return PlannedPower((n1, n2), mde, power, note)
