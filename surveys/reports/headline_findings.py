"""The headline's findings: every comparison of the evaluation plan, in the plan's order.

The plan (:mod:`surveys.services.plans`) fixes which outcomes are compared and
how, before any result exists; the headline runs each planned comparison
through the comparison builder itself (:func:`~surveys.reports.builder.build_comparison`)
-- participants vs the comparison group in the latest climate round, before vs
after as a difference-in-differences between the first and the latest round,
mentors vs mentees over every pulse month -- and corrects the p-values across
the whole plan with the plan's method. The order is the plan's, never the
results': a finding that came out unfavourable, unclear or refused keeps its
place and its fields, so nothing in the plan can drop out of sight.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from surveys.db.models import Programme, SurveyRound
from surveys.domain.plan import PLANNABLE, Plan, Planned
from surveys.domain.plan_power import planned_power
from surveys.reports.builder import build_comparison
from surveys.reports.builder.request import BuilderRequest, outcomes
from surveys.reports.builder.sides import OutcomeRow
from surveys.reports.headline_values import Link, PlannedFinding
from surveys.services.errors import ServiceError
from surveys.stats import TestResult, adjust_family


def _link(item: Planned, rounds: list[SurveyRound]) -> Link:
    query = [("outcome", item.outcome), ("comparison", item.comparison)]
    if item.comparison == "did" and len(rounds) > 1:
        query += [("baseline", str(rounds[0].id)), ("followup", str(rounds[-1].id))]
    return Link("compare", tuple(query), "results-heading")


def _rows(
    session: Session,
    programme: Programme,
    default_k: int,
    rounds: list[SurveyRound],
    plan: Plan,
) -> dict[tuple[str, str], OutcomeRow | str]:
    """Each planned comparison's builder row, or the reason it could not be run."""
    found: dict[tuple[str, str], OutcomeRow | str] = {}
    for comparison in PLANNABLE:
        keys = tuple(i.outcome for i in plan.items if i.comparison == comparison)
        if not keys:
            continue
        needs_round = any(outcomes()[k].source == "climate" for k in keys)
        if needs_round and not rounds:
            why = "No climate survey round has been opened yet, so there is nothing to compare."
            found |= {(k, comparison): why for k in keys}
            continue
        if comparison == "did" and len(rounds) < 2:
            why = "Needs a baseline and a follow-up climate round; there is only one so far."
            found |= {(k, comparison): why for k in keys}
            continue
        request = BuilderRequest(keys, comparison)
        if comparison == "did":
            request = replace(request, baseline_id=rounds[0].id, followup_id=rounds[-1].id)
        try:
            built = build_comparison(session, programme, request, default_k)
        except ServiceError as exc:
            found |= {(k, comparison): f"Refused: {exc}" for k in keys}
            continue
        found |= {(row.outcome.key, comparison): row for row in built.rows}
    return found


#: Comparison -> how its direction reads: (first side, verb when higher, when lower, second).
_SIDES = {
    "did": ("Participants' scores", "rose more", "fell further", "the comparison group's"),
    "participants": ("Participants", "higher", "lower", "the comparison group"),
    "matched": ("Participants", "higher", "lower", "the matched comparison group"),
    "mentors-mentees": ("Mentors", "higher", "lower", "mentees"),
}


#: A difference-in-differences' groups, in words.
_GROUPS = {
    "treated baseline": "participants, before",
    "treated follow-up": "participants, after",
    "comparison baseline": "comparison group, before",
    "comparison follow-up": "comparison group, after",
}
#: Standardised effects smaller than this read as "about the same" (they print as 0.00).
_NEGLIGIBLE = 0.005


def _direction(result: TestResult, comparison: str) -> str:
    """The direction in words ("Participants lower than the comparison group")."""
    effect = result.effect_size
    first, up, down, second = _SIDES[comparison]
    if effect is not None and effect.value is not None and effect.name.startswith("hazard"):
        if effect.value == 1:
            return f"{first} and {second}: the same rate"
        return f"{first}: events {'sooner' if effect.value > 1 else 'later'} than {second}"
    value = effect.value if effect is not None else None
    if value is None:
        value = result.estimate
    if value is None:
        return ""
    if abs(value) < _NEGLIGIBLE:
        return f"{first} and {second}: about the same"
    return f"{first} {up if value > 0 else down} than {second}"


def planned_findings(
    session: Session,
    programme: Programme,
    default_k: int,
    rounds: list[SurveyRound],
    plan: Plan,
) -> list[PlannedFinding]:
    """One finding per planned comparison, in the plan's order, p corrected across the plan."""
    rows = _rows(session, programme, default_k, rounds, plan)
    tested = [
        (item.key, row.result)
        for item in plan.items
        if isinstance(row := rows[item.key], OutcomeRow) and row.result is not None
    ]
    adjusted = dict(
        zip(
            (key for key, _ in tested),
            adjust_family([r for _, r in tested], plan.correction),
            strict=True,
        )
    )
    known = outcomes()
    found = []
    for order, item in enumerate(plan.items, start=1):
        row = rows[item.key]
        label = known[item.outcome].label
        power = planned_power(plan, item).note
        link = _link(item, rounds)
        result = adjusted.get(item.key)
        if result is None:
            reason = row if isinstance(row, str) else (row.refused or "Refused.")
            found.append(
                PlannedFinding(
                    order,
                    item.outcome,
                    label,
                    PLANNABLE[item.comparison],
                    item.primary,
                    reason,
                    True,
                    "",
                    None,
                    None,
                    "",
                    None,
                    None,
                    None,
                    None,
                    (),
                    None,
                    power,
                    link,
                )  # fmt: skip
            )
            continue
        effect = result.effect_size
        mde = result.extras.get("minimum_detectable_effect")
        found.append(
            PlannedFinding(
                order,
                item.outcome,
                label,
                PLANNABLE[item.comparison],
                item.primary,
                result.summary,
                False,
                _direction(result, item.comparison),
                result.estimate,
                result.ci,
                effect.name if effect else "",
                effect.value if effect else None,
                effect.ci if effect else None,
                result.pvalue,
                result.pvalue_adjusted,
                tuple((_GROUPS.get(group, group), int(n)) for group, n in result.n.items()),
                float(mde) if isinstance(mde, int | float) else None,
                power,
                link,
            )
        )
    return found
