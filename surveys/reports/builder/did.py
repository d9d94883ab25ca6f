"""Before vs after: a difference-in-differences over two climate rounds.

Participants and the comparison group are each read in the before and the
after round; the change among participants is set against the change in the
comparison group, from the four released histograms.
"""

from __future__ import annotations

from surveys.reports.builder.request import Outcome
from surveys.reports.builder.scope import Compared, Rounds, Scope, answered, loader
from surveys.reports.builder.sides import (
    COMPARISON,
    PARTICIPANTS,
    OutcomeRow,
    basis,
    group_mean,
    power_warnings,
    side_of,
)
from surveys.services.errors import Invalid
from surveys.stats.weighted_counts import difference_in_differences_from_counts


def did(scope: Scope, outcome: Outcome, rounds: Rounds) -> Compared:
    """Participants' change between the rounds vs the comparison group's change."""
    if outcome.kind != "question":
        raise Invalid("difference-in-differences needs a single question (the index has no counts)")
    before, after = rounds.pair()
    sides = [
        (f"{who} in round '{round_.label}'", roles, round_)
        for roles, who in ((PARTICIPANTS, "participants"), (COMPARISON, "the comparison group"))
        for round_ in (before, after)
    ]
    groups = [
        side_of(label, outcome, loader(scope, roles, round_.id, False))
        for label, roles, round_ in sides
    ]
    text = outcome.label.split(": ", 1)[-1].rstrip(".")
    histograms = [g.histogram for g in groups if g.histogram is not None]
    result = difference_in_differences_from_counts(
        *histograms,
        labels=("participants", "the comparison group"),
        min_group_size=scope.k,
        outcome=text,
        periods=(f"round '{before.label}'", f"round '{after.label}'"),
    )
    means = [group_mean(outcome, g, scope.policy, g.n) for g in groups]
    counted = [
        (label, g.n, answered(scope, roles, round_.id, False))
        for (label, roles, round_), g in zip(sides, groups, strict=True)
    ]
    row = OutcomeRow(
        outcome,
        result,
        warnings=power_warnings(outcome, groups[1].n, groups[3].n, result),
        basis=basis(scope.policy, counted),
    )
    return Compared(row, means)
