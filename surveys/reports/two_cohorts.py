"""Comparing two cohorts on one question, from released aggregate histograms only.

A comparison reads the released snapshot of the month cells (every response is
counted in exactly one month cell), or of one climate round, sums the
histograms of each side's cohort values, and runs the statistics engine on the
two histograms. The engine refuses a side with fewer than k responses, so no
result describes a group below the firm's minimum group size. A pulse's months
hold sessions, so a pulse side must also rest on k people, in each pooled
value and apart from its most common answer (:func:`surveys.disclosure.people_behind`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import AggregateCell, Programme
from surveys.definitions import Catalogue, catalogue
from surveys.disclosure import Policy, distribution, people_behind
from surveys.domain.vocab import COHORT_VALUES
from surveys.services.errors import Invalid, NotFound
from surveys.stats import (
    StatsInputError,
    TestResult,
    brunner_munzel_from_counts,
    mann_whitney_from_counts,
    welch_t_from_counts,
)

TESTS = {
    "welch": welch_t_from_counts,
    "mwu": mann_whitney_from_counts,
    "brunner-munzel": brunner_munzel_from_counts,
}


@dataclass(frozen=True)
class Comparison:
    survey_key: str
    question_key: str
    by: str
    a: frozenset[str]
    b: frozenset[str]
    test: str = "welch"
    round_id: int | None = None
    alternative: str = "two-sided"


def _check(request: Comparison, surveys: Catalogue) -> str:
    if request.by not in COHORT_VALUES:
        raise Invalid(f"'by' must be one of {', '.join(COHORT_VALUES)}")
    allowed = set(COHORT_VALUES[request.by])
    for side, values in (("a", request.a), ("b", request.b)):
        if not values or not values <= allowed:
            raise Invalid(
                f"'{side}' must list values of {request.by}: {', '.join(sorted(allowed))}"
            )
    if request.a & request.b:
        raise Invalid("the two sides must not share a value")
    if request.test not in TESTS:
        raise Invalid(f"'test' must be one of {', '.join(TESTS)}")
    try:
        definition = surveys.current(request.survey_key)
        question = definition.question(request.question_key)
    except KeyError:
        raise Invalid(
            f"there is no question {request.question_key!r} in survey {request.survey_key!r}"
        ) from None
    if not question.kind.scored:
        raise Invalid("only Likert and 0-10 questions can be compared this way")
    # A survey that runs in rounds is only ever read by round, a pulse only by month:
    # reading the same answers through both would let one be subtracted from the other.
    if definition.kind == "climate" and request.round_id is None:
        raise Invalid("a climate survey is compared within one round: give round_id")
    if definition.kind != "climate" and request.round_id is not None:
        raise Invalid("round_id applies to climate surveys only")
    return question.key.replace("_", " ")


def _side(
    session: Session,
    programme_id: int,
    request: Comparison,
    values: Collection[str],
    min_group_size: int,
    months: Collection[str] | None = None,
) -> Counter[float]:
    period = ("round", str(request.round_id)) if request.round_id else None
    column = getattr(AggregateCell, request.by)
    query = select(
        column,
        AggregateCell.released_histogram,
        AggregateCell.released_people,
        AggregateCell.released_people_apart,
    ).where(
        AggregateCell.programme_id == programme_id,
        AggregateCell.survey_key == request.survey_key,
        AggregateCell.question_key == request.question_key,
        AggregateCell.item == "",
        column.in_(sorted(values)),
    )
    if period is None:
        query = query.where(AggregateCell.period_kind == "month")
        if months is not None:
            query = query.where(AggregateCell.period.in_(sorted(months)))
    else:
        query = query.where(
            AggregateCell.period_kind == period[0], AggregateCell.period == period[1]
        )
    counts: Counter[float] = Counter()
    per_value: Counter[str] = Counter()
    cells: dict[str, list[_Counted]] = {}
    for cohort_value, histogram, people, apart in session.execute(query):
        for value, count in histogram.items():
            counts[float(value)] += int(count)
            per_value[cohort_value] += int(count)
        cells.setdefault(cohort_value, []).append(_Counted(histogram, people, apart))
    if period is None:  # a pulse's months: sessions, so each value must hold k people too
        parts = [cell for mine in cells.values() for cell in mine]
        people, apart = people_behind(parts)
        few_people = any(people_behind(mine)[0] < min_group_size for mine in cells.values())
        given: Counter[str] = Counter()
        for cell in parts:
            given.update({value: int(c) for value, c in cell.released_histogram.items() if c})
        diverse = distribution(given, Policy(min_group_size), people=people, apart=apart)
        if few_people or (parts and not diverse.shown):
            raise Invalid(
                f"{', '.join(sorted(values))} has fewer than {min_group_size} responses, so it "
                "cannot be pooled into a comparison"
            )
    # Every value pooled into a side must stand on its own: otherwise comparing
    # "a" with "a+b" would give away a group "b" below k by subtraction.
    small = sorted(v for v, n in per_value.items() if 0 < n < min_group_size)
    if small:
        raise Invalid(
            f"{', '.join(small)} has fewer than {min_group_size} responses, so it cannot be "
            "pooled into a comparison"
        )
    # A side where everyone (or all but a few) gave one answer would show that answer as
    # its mean: refused with the small-group wording, so the reason tells nothing.
    total = sum(counts.values())
    if total >= min_group_size and not distribution(counts, Policy(min_group_size)).shown:
        raise Invalid(
            f"{', '.join(sorted(values))} has fewer than {min_group_size} responses, so it "
            "cannot be pooled into a comparison"
        )
    return counts


@dataclass(frozen=True)
class _Counted:
    """A released cell's histogram and the people behind it (disclosure.CountedCell)."""

    released_histogram: dict[str, int]
    released_people: int
    released_people_apart: dict[str, int]


def released_histogram(
    session: Session,
    programme_id: int,
    survey_key: str,
    question_key: str,
    by: str,
    values: Collection[str],
    min_group_size: int,
    round_id: int | None = None,
    months: Collection[str] | None = None,
) -> Counter[float]:
    """One side's pooled released histogram (a climate round, else a pulse's months).

    The comparison builder reads sides the API's request shape cannot express
    (a different survey per side, four rounds of a difference-in-differences);
    the rule is the same: every value pooled into the side holds k or none.
    ``months`` ("2026-02", ...) keeps a pulse to those months (a research
    export's); None reads every month, as the dashboard does.
    """
    if by not in COHORT_VALUES:
        raise Invalid(f"'by' must be one of {', '.join(COHORT_VALUES)}")
    request = Comparison(
        survey_key, question_key, by, frozenset(values), frozenset(), "welch", round_id
    )
    return _side(session, programme_id, request, values, min_group_size, months)


def compare_released(
    session: Session,
    programme_id: int,
    request: Comparison,
    min_group_size: int,
    surveys: Catalogue | None = None,
) -> TestResult:
    """Run ``request`` on the programme's released aggregates.

    Raises NotFound for an unknown programme and Invalid for a request that
    does not make sense or a side below the minimum group size.
    """
    text = _check(request, surveys or catalogue())
    if session.get(Programme, programme_id) is None:
        raise NotFound(f"there is no programme {programme_id}")
    a = _side(session, programme_id, request, request.a, min_group_size)
    b = _side(session, programme_id, request, request.b, min_group_size)
    labels = ("+".join(sorted(request.a)), "+".join(sorted(request.b)))
    try:
        return TESTS[request.test](
            a,
            b,
            labels=labels,
            alternative=request.alternative,
            min_group_size=min_group_size,
            outcome=text,
        )
    except StatsInputError as exc:
        raise Invalid(str(exc)) from None
