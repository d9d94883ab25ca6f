"""Differencing: slices nested in slices already shown, and released snapshots over periods.

A page or an API answer keeps a :class:`Ledger` of what it has shown; a slice
nested in (or containing) one already shown that differs from it by fewer
than k people is refused. :func:`released_series` applies the rule to a
listing of released cells, per series and per :func:`bucket` (the month of a
week's Thursday, as the mixer counts it).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import combinations
from typing import Generic, Protocol, TypeVar

from surveys.disclosure.rules import Policy, Result, Shown, Suppressed, count
from surveys.domain.periods import month_of_week, week_start, weeks_of_month

A = TypeVar("A", bound=Hashable)


@dataclass(frozen=True)
class Slice(Generic[A]):
    """A slice already shown: its atoms, its n and, for snapshots, its histogram."""

    atoms: frozenset[A]
    n: int
    label: str
    histogram: Mapping[str, int] | None = None


def _difference(bigger: Mapping[str, int], smaller: Mapping[str, int]) -> dict[str, int]:
    return {v: bigger.get(v, 0) - smaller.get(v, 0) for v in {*bigger, *smaller}}


@dataclass
class Ledger(Generic[A]):
    """What one page or API answer has shown so far, for the differencing rule.

    A slice is the set of finest cells (*atoms*) it adds up, with the number
    of people it describes. A slice nested in, or containing, a slice already
    shown must differ from it by zero or by at least k people. Snapshots
    released at different times need not nest even when their atoms do (a
    month released before the last answers of a week inside it): when both
    carry histograms, a larger slice that lacks answers the smaller one holds
    is refused too, since the difference would mix a few answers of each.
    """

    policy: Policy
    shown: list[Slice[A]] = field(default_factory=list)

    def check(
        self,
        atoms: Iterable[A],
        n: int,
        label: str,
        histogram: Mapping[str, int] | None = None,
    ) -> Suppressed | None:
        """Why the slice may not be shown beside what is shown already, or None."""
        mine = frozenset(atoms)
        for other in self.shown:
            if not (mine <= other.atoms or other.atoms <= mine):
                continue
            if 0 < abs(n - other.n) < self.policy.k:
                return Suppressed(
                    f"refused: differs from {other.label} by fewer than {self.policy.k} "
                    "people, so the difference would describe individuals"
                )
            if histogram is not None and other.histogram is not None:
                bigger, smaller = (
                    (histogram, other.histogram)
                    if other.atoms <= mine
                    else (other.histogram, histogram)
                )
                if any(c < 0 for c in _difference(bigger, smaller).values()):
                    return Suppressed(
                        f"refused: released at a different time from {other.label}, so "
                        "the difference would describe a few answers of each"
                    )
        return None

    def show(
        self,
        atoms: Iterable[A],
        result: Result,
        label: str,
        histogram: Mapping[str, int] | None = None,
    ) -> Result:
        """Record a slice about to be shown, or refuse it (see :meth:`check`)."""
        if isinstance(result, Suppressed):
            return result
        mine = frozenset(atoms)
        refused = self.check(mine, result.n, label, histogram)
        if refused is not None:
            return refused
        self.shown.append(Slice(mine, result.n, label, histogram))
        return result


class ReleasedCell(Protocol):
    """The snapshot columns of an aggregate cell (the live ones are not part of it)."""

    @property
    def released_n(self) -> int: ...
    @property
    def released_total(self) -> int: ...
    @property
    def released_total_sq(self) -> int: ...
    @property
    def released_histogram(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class Snapshot:
    """What a reader may know of a cell: its last released state."""

    n: int
    total: int
    total_sq: int
    histogram: dict[str, int]


def released(cell: ReleasedCell) -> Snapshot:
    """The released snapshot of a cell; its live counters are never read."""
    return Snapshot(
        cell.released_n,
        cell.released_total,
        cell.released_total_sq,
        {value: c for value, c in cell.released_histogram.items() if c},
    )


def released_cell(cell: ReleasedCell, policy: Policy) -> Shown | Suppressed:
    """A released cell's n if it may be shown (its histogram goes with it)."""
    return count(released(cell).n, policy)


class PeriodCell(ReleasedCell, Protocol):
    """A released cell that belongs to a week, a month or a survey round."""

    @property
    def period_kind(self) -> str: ...
    @property
    def period(self) -> str: ...


C = TypeVar("C", bound=PeriodCell)


@lru_cache(maxsize=4096)
def period_days(period_kind: str, period: str) -> frozenset[date | str]:
    """The days a period counts: a week its seven, a month the weeks whose Thursday it holds.

    The mixer assigns a week to the month of its Thursday
    (:func:`surveys.domain.periods.month_of_week`), so a month's cell holds
    exactly the responses of those weeks. The differencing rule uses the same
    mapping: a week straddling two months nests in one month only (a round is a
    slice of its own, nested in nothing).
    """
    if period_kind == "week":
        start = week_start(period)
        return frozenset(start + timedelta(days=i) for i in range(7))
    if period_kind == "month":
        return frozenset().union(*(period_days("week", week) for week in weeks_of_month(period)))
    return frozenset({f"{period_kind}:{period}"})


@lru_cache(maxsize=4096)
def bucket(period_kind: str, period: str) -> str:
    """The month a week or month belongs to (a week: its Thursday's); a round stands alone."""
    if period_kind == "month":
        return period
    if period_kind == "week":
        return month_of_week(period)
    return f"{period_kind}:{period}"


def released_series(
    cells: Iterable[C], series: Callable[[C], Hashable], policy: Policy
) -> list[tuple[C, Result]]:
    """Decide every released cell of a listing, with the differencing rule per series.

    A series is one question (or responses count) of one cohort over periods.
    Weeks are decided first; a month is then refused when it differs by fewer
    than k from any week inside it, or from any sum of such weeks shown -- the
    month and weeks were released at different times, so their difference could
    hold a handful of answers -- or, when the counts agree, a few answers of a
    week never released against later ones (the histograms tell). The cells
    come back in their given order.
    """
    listed = list(cells)
    order = {"week": 0, "month": 1}
    decided: dict[int, Result] = {}
    # One ledger per series and *bucket*: a month with the weeks inside it, a week that
    # straddles two months alone, a round alone. Slices of different buckets never nest,
    # so they could never refuse each other: the decisions are those of one ledger per
    # series, without comparing every month with every week of the year.
    ledgers: dict[tuple[Hashable, str], Ledger[date | str]] = {}
    for index in sorted(range(len(listed)), key=lambda i: order.get(listed[i].period_kind, 2)):
        cell = listed[index]
        ledger = ledgers.setdefault(
            (series(cell), bucket(cell.period_kind, cell.period)), Ledger(policy)
        )
        days = period_days(cell.period_kind, cell.period)
        histogram = released(cell).histogram
        if cell.period_kind == "month":
            inside = [shown for shown in ledger.shown if shown.atoms <= days]
            for size in range(2, len(inside) + 1):
                for combo in combinations(inside, size):
                    summed: dict[str, int] = {}
                    for part in combo:
                        for value, c in (part.histogram or {}).items():
                            summed[value] = summed.get(value, 0) + c
                    ledger.shown.append(
                        Slice(
                            frozenset().union(*(part.atoms for part in combo)),
                            sum(part.n for part in combo),
                            "the sum of weeks " + ", ".join(part.label for part in combo),
                            summed,
                        )
                    )
        result = released_cell(cell, policy)
        decided[index] = ledger.show(days, result, cell.period, histogram)
    return [(cell, decided[i]) for i, cell in enumerate(listed)]
