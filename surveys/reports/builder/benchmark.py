"""The benchmark: this firm vs other firms pooled, never one firm shown.

Benchmarking pools the other firms that opted in, each with k released
responses (its own k and ours) in climate rounds labelled like the round
compared; the pool needs at least two such firms, and a pooled firm with 1 to
k-1 answers to a question refuses the question rather than be described by it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.aggregates import RESPONSES
from surveys.db.models import AggregateCell, Firm, Programme, SurveyRound
from surveys.definitions import CLIMATE
from surveys.reports.builder.request import Outcome
from surveys.reports.builder.scope import Compared, Rounds, Scope, answered, loader
from surveys.reports.builder.sides import (
    ALL_ROLES,
    BENCHMARK_MIN_FIRMS,
    Loader,
    OutcomeRow,
    basis,
    group_mean,
    power_warnings,
    side_of,
    two_sided,
)
from surveys.services.errors import Invalid


def benchmark(scope: Scope, outcome: Outcome, rounds: Rounds) -> Compared:
    """This firm's answers vs the pooled answers of other opted-in firms, by Welch's t."""
    round_ = rounds.single()
    opted = list(scope.session.scalars(select(Firm).where(Firm.benchmarking_opt_in)))
    if not scope.firm.benchmarking_opt_in:
        raise Invalid(
            "this firm has not opted in to benchmarking, so it is not shown other firms' results"
        )
    if len(opted) < BENCHMARK_MIN_FIRMS:
        raise Invalid(
            f"benchmarking needs at least {BENCHMARK_MIN_FIRMS} firms that opt in; "
            f"{len(opted)} have"
        )
    others = [f for f in opted if f.id != scope.firm.id]
    periods = _rounds_labelled(scope.session, others, round_.label)
    # A firm enters the pool only when its released responses reach its own k and ours.
    eligible = [
        f
        for f in others
        if _responses(scope.session, f.id, periods.get(f.id, []))
        >= max(scope.k, f.min_group_size or 0)
    ]
    if len(eligible) < BENCHMARK_MIN_FIRMS - 1:
        raise Invalid(
            f"fewer than {BENCHMARK_MIN_FIRMS - 1} other firms have at least {scope.k} "
            f"released responses in a round labelled '{round_.label}', so a pooled "
            "benchmark could describe a single firm"
        )
    pooled = _pooled(scope, eligible, periods)
    mine = side_of("this firm", outcome, loader(scope, ALL_ROLES, round_.id, False))
    theirs = side_of(f"other firms (pooled, {len(eligible)} firms)", outcome, pooled)
    result, notes = two_sided(outcome, mine, theirs, "welch", scope.k)
    # How the pool is made is a note on the method (shown with the others), not a warning.
    pooled_note = (
        f"Other firms are pooled ({len(eligible)} firms that opted in to benchmarking, "
        f"each with at least {scope.k} responses); no single firm is ever shown."
    )
    result = replace(result, notes=[*result.notes, *notes, pooled_note])
    means = [group_mean(outcome, s, scope.policy, s.n) for s in (mine, theirs)]
    row = OutcomeRow(
        outcome,
        result,
        warnings=power_warnings(outcome, mine.n, theirs.n, result),
        basis=basis(
            scope.policy, [("this firm", mine.n, answered(scope, ALL_ROLES, round_.id, False))]
        ),
    )
    return Compared(row, means)


def _rounds_labelled(session: Session, firms: list[Firm], label: str) -> dict[int, list[str]]:
    """Firm id -> the ids (as cell periods) of its climate rounds labelled ``label``."""
    periods: dict[int, list[str]] = {}
    for round_id, firm_id in session.execute(
        select(SurveyRound.id, Programme.firm_id)
        .join(Programme, Programme.id == SurveyRound.programme_id)
        .where(
            Programme.firm_id.in_([f.id for f in firms]),
            SurveyRound.survey_key == CLIMATE,
            SurveyRound.label == label,
        )
    ):
        periods.setdefault(firm_id, []).append(str(round_id))
    return periods


def _responses(session: Session, firm_id: int, periods: list[str]) -> int:
    """The firm's released climate responses over the rounds ``periods``."""
    found = session.scalars(
        select(AggregateCell.released_n).where(
            AggregateCell.firm_id == firm_id,
            AggregateCell.survey_key == CLIMATE,
            AggregateCell.question_key == RESPONSES,
            AggregateCell.period_kind == "round",
            AggregateCell.period.in_(periods),
        )
    )
    return sum(int(n) for n in found)


def _histogram(
    session: Session, firm_id: int, periods: list[str], question_key: str
) -> Counter[float]:
    """The firm's released answers to one climate question over the rounds ``periods``."""
    total: Counter[float] = Counter()
    for histogram in session.scalars(
        select(AggregateCell.released_histogram).where(
            AggregateCell.firm_id == firm_id,
            AggregateCell.survey_key == CLIMATE,
            AggregateCell.question_key == question_key,
            AggregateCell.item == "",
            AggregateCell.period_kind == "round",
            AggregateCell.period.in_(periods),
        )
    ):
        for value, count in histogram.items():
            total[float(value)] += int(count)
    return total


def _pooled(scope: Scope, firms: list[Firm], periods: dict[int, list[str]]) -> Loader:
    """Question key -> the firms' answers pooled; a firm with 1 to k-1 answers refuses it."""

    def read(question_key: str) -> Counter[float]:
        total: Counter[float] = Counter()
        for f in firms:
            part = _histogram(scope.session, f.id, periods.get(f.id, []), question_key)
            if 0 < part.total() < max(scope.k, f.min_group_size or 0):
                raise Invalid(
                    "a firm in the pool has too few answers to this question to be pooled"
                )
            total += part
        return total

    return read
