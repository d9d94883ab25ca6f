"""The plain comparisons: two groups of roles side by side in one round (or the pulses).

"participants" sets mentors and mentees together against the comparison
group; "mentors-mentees" sets the two roles against each other, on the climate
survey or on the session pulses (which count sessions, so each side also needs
k people enrolled).
"""

from __future__ import annotations

from dataclasses import replace

from surveys.reports.builder.request import Outcome
from surveys.reports.builder.scope import (
    Compared,
    Rounds,
    Scope,
    answered,
    enough_people,
    loader,
)
from surveys.reports.builder.sides import (
    COMPARISON,
    PARTICIPANTS,
    OutcomeRow,
    basis,
    group_mean,
    power_warnings,
    side_of,
    two_sided,
)

#: The two sides of each plain comparison: (label, roles) each.
PAIRS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "participants": (("participants", PARTICIPANTS), ("the comparison group", COMPARISON)),
    "mentors": (("mentors", ("mentor",)), ("mentees", ("mentee",))),
}


def plain(scope: Scope, outcome: Outcome, rounds: Rounds, *, pair: str) -> Compared:
    """The two sides of ``PAIRS[pair]`` compared by the request's test."""
    specs = PAIRS[pair]
    pulse = outcome.source == "pulse"
    if pulse:
        enough_people(scope, specs)
    round_id = None if pulse else rounds.single().id
    a, b = (
        side_of(label, outcome, loader(scope, roles, round_id, pulse)) for label, roles in specs
    )
    result, notes = two_sided(outcome, a, b, scope.test, scope.k)
    result = replace(result, notes=[*result.notes, *notes])  # on the method: not a warning
    means = [group_mean(outcome, s, scope.policy, s.n) for s in (a, b)]
    counted = [
        (side.label, side.n, answered(scope, roles, round_id, pulse))
        for side, (_, roles) in zip((a, b), specs, strict=True)
    ]
    row = OutcomeRow(
        outcome,
        result,
        warnings=power_warnings(outcome, a.n, b.n, result),
        basis=basis(scope.policy, counted),
    )
    return Compared(row, means)
