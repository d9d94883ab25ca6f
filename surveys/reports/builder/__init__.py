"""The comparison builder: chosen outcomes under one comparison, with honest statistics.

Survey outcomes are read from released aggregate histograms only
(:func:`~surveys.reports.two_cohorts.released_histogram`: every cohort value
pooled into a side holds k responses or none), HR outcomes from the people
table through :mod:`surveys.reports.retention`. Each outcome gives one row:
the test, its effect size with CI, p and -- across the rows shown -- the
adjusted p (Holm or Benjamini–Hochberg), the engine's plain-English sentence,
and warnings (refusal below k, low power, low response rate). A row the rules
refuse carries the reason instead of numbers.

The climate index is the mean of the climate survey's Likert items. Answers
are stored only as per-item histograms, so no per-person index exists: the
index mean is the mean of the item means, n is the smallest item n, and its
standard deviation is taken as the mean of the item SDs -- the largest it can
be (items perfectly correlated) -- so its Welch test is conservative.

The matched comparison reweights the comparison group to the participants'
mix of cohort cells (level band x tenure band x gender group, the coarsened
exact matching idea, with R cem's weights). A cell enters only when both sides
hold at least k responses in it; the others are dropped and counted. When the
dropped part of a side is between 1 and k-1 responses, matching is refused:
set beside the unmatched comparison, it would describe those few.

How it is put together: the programme's :class:`~.scope.Scope` and the
climate :class:`~.scope.Rounds` are resolved once, then each outcome goes to
the plain function :data:`COMPARE` names for the comparison (:mod:`.plain`,
:mod:`.matched`, :mod:`.did`, :mod:`.paired`, :mod:`.benchmark`), which returns its row and
the group means it shows; nothing is accumulated across comparisons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import partial

from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.models import Programme, SurveyRound
from surveys.reports.builder.benchmark import benchmark
from surveys.reports.builder.comparisons import COMPARISONS
from surveys.reports.builder.did import did
from surveys.reports.builder.matched import matched
from surveys.reports.builder.paired import paired
from surveys.reports.builder.plain import plain
from surveys.reports.builder.request import (
    BadQuery,
    BuilderRequest,
    Outcome,
    outcomes,
)
from surveys.reports.builder.scope import (
    Compare,
    Compared,
    Rounds,
    Scope,
    resolve_rounds,
    scope_of,
)
from surveys.reports.builder.sides import (
    COMPARISON,
    LOW_RESPONSE_RATE,
    PARTICIPANTS,
    GroupMean,
    OutcomeRow,
    climate_rounds,
    without_power_note,
)
from surveys.reports.counts import answered_by_role, sent_by_role
from surveys.reports.retention import survival_view
from surveys.services.errors import Invalid
from surveys.stats import StatsInputError, adjust_family

#: Comparison key (a row of :data:`~.comparisons.TABLE`, in its order) -> the function
#: that runs it.
COMPARE: dict[str, Compare] = {
    "participants": partial(plain, pair="participants"),
    "matched": matched,
    "mentors-mentees": partial(plain, pair="mentors"),
    "did": did,
    "paired": paired,
    "benchmark": benchmark,
}


@dataclass(frozen=True)
class BuilderResult:
    """Everything the comparison page and its downloads show for one request."""

    request: BuilderRequest
    comparison_label: str
    #: Which rounds were read, in words ("climate round 'follow-up'"); "" when none was.
    scope: str
    rows: list[OutcomeRow]
    means: list[GroupMean]
    warnings: list[str]
    k: int


def build_comparison(
    session: Session,
    programme: Programme,
    request: BuilderRequest,
    default_k: int,
    today: date | None = None,
) -> BuilderResult:
    """Run ``request`` on the programme; refusals become rows with a reason, not errors."""
    compare = COMPARE.get(request.comparison)
    if compare is None:
        raise BadQuery(f"'comparison' must be one of {', '.join(COMPARISONS)}")
    scope = scope_of(session, programme, default_k, request.test, request.pulse_months)
    known = outcomes()
    needs_round = any(known[o].source == "climate" for o in request.outcomes)
    rounds = resolve_rounds(climate_rounds(session, programme.id), request, needs_round)
    warnings = [w for r in rounds.read() for w in response_rates(scope, r)]
    compared = [
        _compare_one(scope, known[key], rounds, request, compare, today or date.today())
        for key in request.outcomes
    ]
    rows = [_worded(row) for row in _adjusted([c.row for c in compared], request.adjust)]
    means = [m for c in compared for m in c.means]
    return BuilderResult(
        request,
        COMPARISONS[request.comparison],
        rounds.describe(),
        rows,
        means,
        warnings,
        scope.k,
    )


def _compare_one(
    scope: Scope,
    outcome: Outcome,
    rounds: Rounds,
    request: BuilderRequest,
    compare: Compare,
    today: date,
) -> Compared:
    """One outcome's row: HR outcomes by survival, survey outcomes by ``compare``."""
    try:
        if outcome.kind == "hr":
            view = survival_view(
                scope.session,
                scope.programme,
                outcome.source,
                request.comparison,
                scope.k,
                today,
                request.months,
            )
            return Compared(OutcomeRow(outcome, view.result, view.refused, survival=view))
        return compare(scope, outcome, rounds)
    except (Invalid, StatsInputError) as exc:
        return Compared(OutcomeRow(outcome, None, f"Refused: {exc}"))


def _adjusted(rows: list[OutcomeRow], method: str) -> list[OutcomeRow]:
    """The rows with their tested results' p adjusted as one family (Holm or BH)."""
    adjusted = iter(adjust_family([r.result for r in rows if r.result is not None], method))
    return [row if row.result is None else replace(row, result=next(adjusted)) for row in rows]


#: "4.2 points higher than" -> the scale named after the direction.
_POINTS = re.compile(r"(\d[\d,.]*) points (higher|lower|more|less)\b")
#: A rank test's "tended to answer higher than" / "answered higher than": the same.
_RANKS = re.compile(r"\b(answer|answered) (higher|lower)\b")


def _worded(row: OutcomeRow) -> OutcomeRow:
    """The row's sentence with its scale named ("0.64 points higher on a 1–5 scale", "tended
    to answer higher on a 1–5 scale than"), and
    the engine's power note left to the row's own plain-words warning (said once)."""
    if row.result is None:
        return row
    result = without_power_note(row.result)
    if row.outcome.scale:
        summary, named = _POINTS.subn(
            rf"\1 points \2 on a {row.outcome.scale} scale", result.summary, 1
        )
        if not named:
            summary = _RANKS.sub(rf"\1 \2 on a {row.outcome.scale} scale", summary, 1)
        result = replace(result, summary=summary)
    return replace(row, result=result)


def response_rates(scope: Scope, round_: SurveyRound) -> list[str]:
    """Warnings for a side of which fewer than :data:`LOW_RESPONSE_RATE` % answered the round.

    The rate is invitations answered (their responded flag) over invitations
    sent, both counted per side and shown at k: released responses would
    understate it by every answer still waiting for its batch or held back.
    """
    sent = sent_by_role(scope.session, scope.programme.id, round_id=round_.id)
    answered = answered_by_role(scope.session, scope.programme.id, round_id=round_.id)
    warnings = []
    for label, roles in (("participants", PARTICIPANTS), ("the comparison group", COMPARISON)):
        invited = sum(sent.get(r, 0) for r in roles)
        replies = sum(answered.get(r, 0) for r in roles)
        rate = disclosure.rate(replies, invited, scope.policy) if invited else None
        if isinstance(rate, disclosure.Shown) and rate.value < LOW_RESPONSE_RATE:
            warnings.append(
                f"Low response rate in round '{round_.label}': {replies:,} of the "
                f"{invited:,} invitations sent to {label} were answered ({rate.value:.0f}%), "
                "so the answers may not speak for the whole group."
            )
    return warnings
