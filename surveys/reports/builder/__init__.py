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
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.aggregates import RESPONSES
from surveys.db.models import (
    Programme,
    SurveyRound,
)
from surveys.definitions import CLIMATE
from surveys.reports.builder.cohorts import CohortComparisons
from surveys.reports.builder.request import (
    COMPARISONS,
    BuilderRequest,
    Outcome,
    outcomes,
)
from surveys.reports.builder.sides import (
    COMPARISON,
    LOW_RESPONSE_RATE,
    PARTICIPANTS,
    GroupMean,
    OutcomeRow,
    climate_rounds,
    group_mean,
    pick_round,
    power_warnings,
    side_of,
    two_sided,
)
from surveys.reports.counts import sent_by_role
from surveys.reports.released_cells import disclosed_cells
from surveys.reports.retention import survival_view
from surveys.services.errors import Invalid
from surveys.stats import (
    StatsInputError,
    adjust_family,
)
from surveys.stats.weighted_counts import (
    difference_in_differences_from_counts,
)


@dataclass(frozen=True)
class BuilderResult:
    request: BuilderRequest
    comparison_label: str
    #: Which rounds were read, in words ("round 'follow-up'").
    scope: str
    rows: list[OutcomeRow]
    means: list[GroupMean]
    warnings: list[str]
    k: int


class _Builder(CohortComparisons):
    """The plain, mentors-vs-mentees and before/after comparisons, and warnings."""

    def plain(
        self, outcome: Outcome, request: BuilderRequest, round_: SurveyRound | None, pair: str
    ) -> OutcomeRow:
        pulse = outcome.source == "pulse"
        round_id = None if pulse else (round_.id if round_ else None)
        specs: tuple[tuple[str, tuple[str, ...]], ...]
        if pair == "participants":
            specs = (("participants", PARTICIPANTS), ("the comparison group", COMPARISON))
        else:
            specs = (("mentors", ("mentor",)), ("mentees", ("mentee",)))
        if pulse:
            self.enough_people(specs)
        a, b = (
            side_of(label, outcome, self.load(roles, round_id, pulse)) for label, roles in specs
        )
        result, notes = two_sided(outcome, a, b, request.test, self.k)
        self.means += [group_mean(outcome, s, self.policy, s.n) for s in (a, b)]
        return OutcomeRow(outcome, result, warnings=notes + power_warnings(outcome, a.n, b.n))

    def did(self, outcome: Outcome, before: SurveyRound, after: SurveyRound) -> OutcomeRow:
        groups = []
        for roles, who in ((PARTICIPANTS, "participants"), (COMPARISON, "comparison group")):
            for round_, when in ((before, before.label), (after, after.label)):
                side = side_of(f"{who}, {when}", outcome, self.load(roles, round_.id, False))
                groups.append(side)
        text = outcome.label.split(": ", 1)[-1].rstrip(".")
        histograms = [g.histogram for g in groups if g.histogram is not None]
        assert len(histograms) == 4
        result = difference_in_differences_from_counts(
            *histograms,
            labels=("participants", "the comparison group"),
            min_group_size=self.k,
            outcome=text,
        )
        self.means += [group_mean(outcome, g, self.policy, g.n) for g in groups]
        return OutcomeRow(
            outcome, result, warnings=power_warnings(outcome, groups[1].n, groups[3].n)
        )

    def response_rates(self, round_: SurveyRound) -> list[str]:
        sent = sent_by_role(self.session, self.programme.id, round_id=round_.id)
        answered: Counter[str] = Counter()
        for cell in disclosed_cells(
            self.session, self.programme.id, self.policy, survey_key=CLIMATE, question_key=RESPONSES
        ):
            if cell.period_kind == "round" and cell.period == str(round_.id):
                answered[cell.role] += cell.released_n
        warnings = []
        for label, roles in (("participants", PARTICIPANTS), ("the comparison group", COMPARISON)):
            invited = sum(int(sent.get(r, 0)) for r in roles)
            replies = min(sum(answered[r] for r in roles), invited)
            rate = disclosure.rate(replies, invited, self.policy) if invited else None
            if isinstance(rate, disclosure.Shown) and rate.value < LOW_RESPONSE_RATE:
                warnings.append(
                    f"Low response rate: {rate.value:.0f}% of {label} answered round "
                    f"'{round_.label}', so the answers may not speak for the whole group."
                )
        return warnings


def build_comparison(
    session: Session,
    programme: Programme,
    request: BuilderRequest,
    default_k: int,
    today: date | None = None,
) -> BuilderResult:
    """Run ``request`` on the programme; refusals become rows with a reason, not errors."""
    builder = _Builder(session, programme, default_k)
    known = outcomes()
    rounds = climate_rounds(session, programme.id)
    comparison = request.comparison
    needs_round = any(known[o].source == "climate" for o in request.outcomes)
    round_ = before = after = None
    warnings: list[str] = []
    scope = ""
    if needs_round and comparison == "did":
        before = pick_round(rounds, request.baseline_id, 0)
        after = pick_round(rounds, request.followup_id, -1)
        if before.id == after.id:
            raise Invalid("difference-in-differences needs two climate rounds; there is one")
        scope = f"climate rounds '{before.label}' (before) and '{after.label}' (after)"
        warnings += builder.response_rates(before) + builder.response_rates(after)
    elif needs_round:
        round_ = pick_round(rounds, request.round_id, -1)
        scope = f"climate round '{round_.label}'"
        warnings += builder.response_rates(round_)
    rows: list[OutcomeRow] = []
    for key in request.outcomes:
        outcome = known[key]
        try:
            if outcome.kind == "hr":
                view = survival_view(
                    session,
                    programme,
                    outcome.source,
                    comparison,
                    default_k,
                    today or date.today(),
                    request.months,
                )
                rows.append(OutcomeRow(outcome, view.result, view.refused, survival=view))
            elif comparison in ("participants", "mentors-mentees"):
                rows.append(builder.plain(outcome, request, round_, comparison))
            elif comparison == "matched":
                assert round_ is not None
                rows.append(builder.matched(outcome, round_))
            elif comparison == "did":
                assert before is not None and after is not None
                rows.append(builder.did(outcome, before, after))
            else:
                assert round_ is not None
                rows.append(builder.benchmark(outcome, round_))
        except (Invalid, StatsInputError) as exc:
            rows.append(OutcomeRow(outcome, None, f"Refused: {exc}"))
    tested = [i for i, row in enumerate(rows) if row.result is not None]
    method = request.adjust
    adjusted = adjust_family([r.result for r in rows if r.result is not None], method)
    for i, result in zip(tested, adjusted, strict=True):
        row = rows[i]
        rows[i] = OutcomeRow(row.outcome, result, row.refused, row.warnings, row.survival)
    return BuilderResult(
        request, COMPARISONS[comparison], scope, rows, builder.means, warnings, builder.k
    )
