"""The comparison builder: chosen outcomes under one comparison, with honest statistics.

Survey outcomes are read from released aggregate histograms only
(:func:`~surveys.services.comparisons.released_histogram`: every cohort value
pooled into a side holds k responses or none), HR outcomes from the people
table through :mod:`surveys.services.hr_outcomes`. Each outcome gives one row:
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

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.aggregates import RESPONSES
from surveys.db.models import (
    AggregateCell,
    Enrolment,
    Firm,
    Programme,
    SurveyInvitation,
    SurveyRound,
)
from surveys.definitions import CLIMATE, PULSE_FOR_ROLE
from surveys.services.builder_request import (
    COMPARISONS,
    BadQuery,
    BuilderRequest,
    Outcome,
    climate_index_items,
    outcomes,
)
from surveys.services.comparisons import TESTS, released_histogram
from surveys.services.errors import Invalid
from surveys.services.hr_outcomes import SurvivalView, survival_view
from surveys.services.released_cells import disclosed_cells
from surveys.stats import (
    StatsInputError,
    TestResult,
    adjust_family,
    welch_t_from_moments,
)
from surveys.stats.distributions import t_ppf
from surveys.stats.histogram import moments
from surveys.stats.power import power_note
from surveys.stats.weighted_counts import (
    difference_in_differences_from_counts,
    weighted_moments_from_counts,
    weighted_welch_from_counts,
)

PARTICIPANTS = ("mentor", "mentee")
COMPARISON = ("comparison",)
ALL_ROLES = ("mentor", "mentee", "comparison")
#: Below this response rate a round's answers may not speak for the group.
LOW_RESPONSE_RATE = 30.0
BENCHMARK_MIN_FIRMS = 3


@dataclass(frozen=True)
class GroupMean:
    """One group's mean on one outcome, with its 95% CI; ``mean`` is disclosed."""

    outcome: str
    group: str
    mean: disclosure.Result
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class OutcomeRow:
    outcome: Outcome
    result: TestResult | None
    refused: str | None = None
    warnings: list[str] = field(default_factory=list)
    survival: SurvivalView | None = None


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


@dataclass(frozen=True)
class Side:
    """A side's summary: n, mean, variance, and its histogram when there is one."""

    label: str
    n: int
    mean: float
    var: float
    histogram: Counter[float] | None


Loader = Callable[[str], Counter[float]]


def climate_rounds(session: Session, programme_id: int) -> list[SurveyRound]:
    return list(
        session.scalars(
            select(SurveyRound)
            .where(SurveyRound.programme_id == programme_id, SurveyRound.survey_key == CLIMATE)
            .order_by(SurveyRound.opened_on, SurveyRound.id)
        )
    )


def _round(rounds: list[SurveyRound], round_id: int | None, default: int) -> SurveyRound:
    if not rounds:
        raise Invalid(
            "this programme has no climate survey round yet, so there is nothing to compare"
        )
    if round_id is None:
        return rounds[default]
    for found in rounds:
        if found.id == round_id:
            return found
    raise BadQuery(f"there is no climate round {round_id} in this programme")


def _side(label: str, outcome: Outcome, load: Loader) -> Side:
    if outcome.kind == "index":
        items = [moments(load(q)) for q in climate_index_items()]
        if any(n < 2 for n, _, _ in items):
            raise Invalid(f"{label}: an item of the index has too few released answers")
        n = min(n for n, _, _ in items)
        mean = sum(m for _, m, _ in items) / len(items)
        sd = sum(math.sqrt(v) for _, _, v in items) / len(items)
        return Side(label, n, mean, sd * sd, None)
    histogram = load(outcome.question_key)
    n, mean, var = moments(histogram)
    return Side(label, n, mean, var, histogram)


def _group_mean(outcome: Outcome, side: Side, policy: disclosure.Policy, n_eff: float) -> GroupMean:
    shown = disclosure.mean(side.mean * side.n, side.n, policy)
    if not isinstance(shown, disclosure.Shown) or n_eff <= 1 or not math.isfinite(side.var):
        return GroupMean(outcome.label, side.label, shown)
    half = t_ppf(0.975, n_eff - 1) * math.sqrt(side.var / n_eff)
    return GroupMean(outcome.label, side.label, shown, side.mean - half, side.mean + half)


def _two_sided(
    outcome: Outcome, a: Side, b: Side, test: str, k: int
) -> tuple[TestResult, list[str]]:
    text = outcome.label.split(": ", 1)[-1].rstrip(".")
    notes: list[str] = []
    if a.histogram is not None and b.histogram is not None:
        result = TESTS[test](
            a.histogram, b.histogram, labels=(a.label, b.label), min_group_size=k, outcome=text
        )
    else:
        if test != "welch":
            notes.append("The climate index is compared with Welch's t only (no histogram).")
        result = welch_t_from_moments(
            a.n,
            a.mean * a.n,
            (a.n - 1) * a.var + a.n * a.mean**2,
            b.n,
            b.mean * b.n,
            (b.n - 1) * b.var + b.n * b.mean**2,
            labels=(a.label, b.label),
            min_group_size=k,
            outcome=text,
        )
    return result, notes


def _power(outcome: Outcome, n1: int, n2: int) -> list[str]:
    if n1 < 2 or n2 < 2:
        return []
    _, note = power_note(n1, n2)
    return [f"{outcome.label.rstrip('.')}: {note}"] if note else []


class _Builder:
    def __init__(self, session: Session, programme: Programme, default_k: int) -> None:
        self.session = session
        self.programme = programme
        firm = session.get(Firm, programme.firm_id)
        assert firm is not None
        self.firm = firm
        self.policy = disclosure.Policy.for_firm(firm.min_group_size, default_k)
        self.k = self.policy.k
        self.means: list[GroupMean] = []

    def load(self, roles: tuple[str, ...], round_id: int | None, role_survey: bool) -> Loader:
        """Question key -> the pooled released histogram of ``roles`` in one round (or pulse)."""

        def read(question_key: str) -> Counter[float]:
            if role_survey:  # a pulse: each role answers its own survey, over its months
                total: Counter[float] = Counter()
                for role in roles:
                    total += released_histogram(
                        self.session,
                        self.programme.id,
                        PULSE_FOR_ROLE[role],
                        question_key,
                        "role",
                        [role],
                        self.k,
                    )
                return total
            return released_histogram(
                self.session,
                self.programme.id,
                CLIMATE,
                question_key,
                "role",
                roles,
                self.k,
                round_id,
            )

        return read

    def enough_people(self, specs: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        """Pulses count sessions, not people: a side also needs k people enrolled.

        Five pulse responses can come from one mentor's five sessions; a side
        whose role has fewer than k people in the programme could describe one
        pairing, which mentors are promised never happens.
        """
        for label, roles in specs:
            people = self.session.scalar(
                select(func.count()).where(
                    Enrolment.programme_id == self.programme.id, Enrolment.role.in_(roles)
                )
            )
            if (people or 0) < self.k:
                raise Invalid(
                    f"fewer than {self.k} {label} are enrolled, so their session pulses "
                    "could describe single pairings"
                )

    # --- one method per comparison ----------------------------------------------------

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
        a, b = (_side(label, outcome, self.load(roles, round_id, pulse)) for label, roles in specs)
        result, notes = _two_sided(outcome, a, b, request.test, self.k)
        self.means += [_group_mean(outcome, s, self.policy, s.n) for s in (a, b)]
        return OutcomeRow(outcome, result, warnings=notes + _power(outcome, a.n, b.n))

    def matched(self, outcome: Outcome, round_: SurveyRound) -> OutcomeRow:
        keys = [outcome.question_key] if outcome.kind == "question" else []
        if not keys:
            raise Invalid("the matched comparison needs a single question (the index has no cells)")
        cells = self.session.execute(
            select(
                AggregateCell.role,
                AggregateCell.level_band,
                AggregateCell.tenure_band,
                AggregateCell.gender_group,
                AggregateCell.released_histogram,
            ).where(
                AggregateCell.programme_id == self.programme.id,
                AggregateCell.survey_key == CLIMATE,
                AggregateCell.question_key == keys[0],
                AggregateCell.item == "",
                AggregateCell.period_kind == "round",
                AggregateCell.period == str(round_.id),
            )
        ).all()
        strata: dict[tuple[str, str, str], dict[str, Counter[float]]] = {}
        for role, level, tenure, gender, histogram in cells:
            side = "t" if role in PARTICIPANTS else "c"
            bucket = strata.setdefault((level, tenure, gender), {"t": Counter(), "c": Counter()})
            for value, count in histogram.items():
                bucket[side][float(value)] += int(count)
        kept = {s: h for s, h in strata.items() if min(h["t"].total(), h["c"].total()) >= self.k}
        dropped = len(strata) - len(kept)
        ledger: disclosure.Ledger[tuple[str, ...]] = disclosure.Ledger(self.policy)
        for side, label in (("t", "all participants"), ("c", "the whole comparison group")):
            everyone = sum(h[side].total() for h in strata.values())
            ledger.show({(side, *s) for s in strata}, disclosure.Shown(everyone, everyone), label)
            matched_n = sum(h[side].total() for h in kept.values())
            refused = ledger.check({(side, *s) for s in kept}, matched_n, f"the matched {label}")
            if refused is not None:
                raise Invalid(
                    f"Matching {refused.reason}: the responses dropped by matching are fewer "
                    f"than {self.k}"
                )
        nt = sum(h["t"].total() for h in kept.values())
        nc = sum(h["c"].total() for h in kept.values())
        if not kept:
            raise Invalid(
                f"no cohort cell holds at least {self.k} responses on both sides, so nothing "
                "can be matched"
            )
        treated = [(h["t"], 1.0) for h in kept.values()]
        # CEM weights: (n_t / n_c) in the cell x (N_c / N_t) over the matched cells.
        control = [(h["c"], h["t"].total() / h["c"].total() * nc / nt) for h in kept.values()]
        text = outcome.label.split(": ", 1)[-1].rstrip(".")
        result = weighted_welch_from_counts(
            treated,
            control,
            labels=("participants", "the matched comparison group"),
            min_group_size=self.k,
            outcome=text,
            comparison="matched comparison (cohort-cell weights)",
        )
        note = (
            f"Matched on level band, tenure band and gender group: {len(kept)} cohort cells "
            f"kept; {dropped} cells with fewer than {self.k} responses on a side were left out."
        )
        result = replace(result, notes=[note, *result.notes])
        n_x, e_x, m_x, v_x = weighted_moments_from_counts(treated)
        n_y, e_y, m_y, v_y = weighted_moments_from_counts(control)
        for label, n, e, m, v in (
            ("participants", n_x, e_x, m_x, v_x),
            ("the matched comparison group", n_y, e_y, m_y, v_y),
        ):
            self.means.append(_group_mean(outcome, Side(label, n, m, v, None), self.policy, e))
        return OutcomeRow(outcome, result, warnings=_power(outcome, n_x, round(e_y)))

    def did(self, outcome: Outcome, before: SurveyRound, after: SurveyRound) -> OutcomeRow:
        groups = []
        for roles, who in ((PARTICIPANTS, "participants"), (COMPARISON, "comparison group")):
            for round_, when in ((before, before.label), (after, after.label)):
                side = _side(f"{who}, {when}", outcome, self.load(roles, round_.id, False))
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
        self.means += [_group_mean(outcome, g, self.policy, g.n) for g in groups]
        return OutcomeRow(outcome, result, warnings=_power(outcome, groups[1].n, groups[3].n))

    def benchmark(self, outcome: Outcome, round_: SurveyRound) -> OutcomeRow:
        opted = list(self.session.scalars(select(Firm).where(Firm.benchmarking_opt_in)))
        if not self.firm.benchmarking_opt_in:
            raise Invalid(
                "this firm has not opted in to benchmarking, so it is not shown other firms' "
                "results"
            )
        if len(opted) < BENCHMARK_MIN_FIRMS:
            raise Invalid(
                f"benchmarking needs at least {BENCHMARK_MIN_FIRMS} firms that opt in; "
                f"{len(opted)} have"
            )
        others = [f for f in opted if f.id != self.firm.id]
        other_rounds: dict[int, list[str]] = {}
        for r in self.session.scalars(
            select(SurveyRound)
            .join(Programme, Programme.id == SurveyRound.programme_id)
            .where(
                Programme.firm_id.in_([f.id for f in others]),
                SurveyRound.survey_key == CLIMATE,
                SurveyRound.label == round_.label,
            )
        ):
            owner = self.session.get(Programme, r.programme_id)
            assert owner is not None
            other_rounds.setdefault(owner.firm_id, []).append(str(r.id))

        def firm_histogram(firm_id: int, question_key: str) -> Counter[float]:
            total: Counter[float] = Counter()
            for histogram in self.session.scalars(
                select(AggregateCell.released_histogram).where(
                    AggregateCell.firm_id == firm_id,
                    AggregateCell.survey_key == CLIMATE,
                    AggregateCell.question_key == question_key,
                    AggregateCell.item == "",
                    AggregateCell.period_kind == "round",
                    AggregateCell.period.in_(other_rounds.get(firm_id, [])),
                )
            ):
                for value, count in histogram.items():
                    total[float(value)] += int(count)
            return total

        def firm_responses(firm_id: int) -> int:
            found = self.session.scalars(
                select(AggregateCell.released_n).where(
                    AggregateCell.firm_id == firm_id,
                    AggregateCell.survey_key == CLIMATE,
                    AggregateCell.question_key == RESPONSES,
                    AggregateCell.period_kind == "round",
                    AggregateCell.period.in_(other_rounds.get(firm_id, [])),
                )
            )
            return sum(int(n) for n in found)

        # A firm enters the pool only when its released responses reach its own k and ours.
        eligible = [f for f in others if firm_responses(f.id) >= max(self.k, f.min_group_size or 0)]
        if len(eligible) < BENCHMARK_MIN_FIRMS - 1:
            raise Invalid(
                f"fewer than {BENCHMARK_MIN_FIRMS - 1} other firms have at least {self.k} "
                f"released responses in a round labelled '{round_.label}', so a pooled "
                "benchmark could describe a single firm"
            )

        def pooled(question_key: str) -> Counter[float]:
            total: Counter[float] = Counter()
            for f in eligible:
                part = firm_histogram(f.id, question_key)
                if 0 < part.total() < max(self.k, f.min_group_size or 0):
                    raise Invalid(
                        "a firm in the pool has too few answers to this question to be pooled"
                    )
                total += part
            return total

        mine = _side("this firm", outcome, self.load(ALL_ROLES, round_.id, False))
        theirs = _side(f"other firms (pooled, {len(eligible)} firms)", outcome, pooled)
        result, notes = _two_sided(outcome, mine, theirs, "welch", self.k)
        notes.append(
            f"Other firms are pooled ({len(eligible)} firms that opted in to benchmarking, "
            f"each with at least {self.k} responses); no single firm is ever shown."
        )
        self.means += [_group_mean(outcome, s, self.policy, s.n) for s in (mine, theirs)]
        return OutcomeRow(outcome, result, warnings=notes + _power(outcome, mine.n, theirs.n))

    # --- warnings ---------------------------------------------------------------------

    def response_rates(self, round_: SurveyRound) -> list[str]:
        sent = dict(
            self.session.execute(
                select(Enrolment.role, func.count())
                .select_from(SurveyInvitation)
                .join(
                    Enrolment,
                    (Enrolment.person_id == SurveyInvitation.person_id)
                    & (Enrolment.programme_id == SurveyInvitation.programme_id),
                )
                .where(
                    SurveyInvitation.round_id == round_.id, SurveyInvitation.sent_at.is_not(None)
                )
                .group_by(Enrolment.role)
            ).all()
        )
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
        before = _round(rounds, request.baseline_id, 0)
        after = _round(rounds, request.followup_id, -1)
        if before.id == after.id:
            raise Invalid("difference-in-differences needs two climate rounds; there is one")
        scope = f"climate rounds '{before.label}' (before) and '{after.label}' (after)"
        warnings += builder.response_rates(before) + builder.response_rates(after)
    elif needs_round:
        round_ = _round(rounds, request.round_id, -1)
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
