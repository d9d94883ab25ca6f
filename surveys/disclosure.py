"""Disclosure control: the one place that decides whether a number may be shown.

PRODUCT.md 2.3. The dashboard, the API and every export ask this module, and
get back a :data:`Result`: :class:`Shown` (a value and the n it describes) or
:class:`Suppressed` (a reason, and no number at all), so a template or a JSON
encoder cannot print a hidden value by accident.

The rules:

* **Minimum group size.** A number describing fewer than k people is hidden:
  scores, percentages, counts and response rates alike (k is the firm's
  ``min_group_size``, else the global setting; free-text comments need 10).
  Zero is below k too: "nobody in this cell" is itself a disclosure.
* **Complementary suppression** (:func:`breakdown`). When a breakdown's total
  is shown, the hidden cells' sum is known (total minus the shown cells). So
  more cells are hidden, smallest first, until at least two cells are hidden
  and together they hold at least k: then no hidden cell can be worked out,
  and the hidden remainder itself describes at least k people. Every hidden
  cell carries the same reason, so the small ones are not told apart from
  their complements. Not covered: an attacker who also reasons about *which*
  cells the greedy rule would have chosen can, in some small tables, narrow a
  hidden cell further (e.g. 3/2/2 at k=3).
* **Differencing** (:class:`Ledger`). A slice that is nested in (or contains) a
  slice already shown, and differs from it by fewer than k people, is refused
  with a reason: subtracting one from the other would describe the few. So is
  a snapshot that lacks answers a nested one holds (released at another time).
* **Released snapshots only** (:func:`released`). Readers take the
  ``released_*`` columns of an aggregate cell, which move only in batches of at
  least k responses; the live counters are never read here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import combinations
from typing import Generic, Protocol, TypeVar

#: Free-text comments need at least this many respondents, whatever k is.
COMMENT_MIN = 10


@dataclass(frozen=True)
class Shown:
    """A number that may be shown, and how many people it describes."""

    value: float
    n: int

    shown = True


@dataclass(frozen=True)
class Suppressed:
    """A hidden number: only the reason is kept, so nothing can leak it."""

    reason: str

    shown = False


Result = Shown | Suppressed

K = TypeVar("K", bound=Hashable)
A = TypeVar("A", bound=Hashable)


@dataclass(frozen=True)
class Policy:
    """The thresholds in force for one firm."""

    k: int
    comment_min: int = COMMENT_MIN

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"k must be at least 1, got {self.k}")

    @classmethod
    def for_firm(cls, firm_min_group_size: int | None, default_k: int) -> Policy:
        return cls(firm_min_group_size or default_k)

    def too_few(self) -> Suppressed:
        return Suppressed(f"suppressed (fewer than {self.k})")


def count(n: int, policy: Policy) -> Result:
    """A head count (responses, people, meetings' participants)."""
    return Shown(n, n) if n >= policy.k else policy.too_few()


def mean(total: float, n: int, policy: Policy) -> Result:
    """An average score over n answers."""
    return Shown(total / n, n) if n >= policy.k else policy.too_few()


def rate(part: int, whole: int, policy: Policy) -> Result:
    """A percentage (e.g. a response rate): both the part and the whole need k people."""
    if part < 0 or whole < part:
        raise ValueError(f"a rate needs 0 <= part <= whole, got {part}/{whole}")
    if whole < policy.k or part < policy.k:
        return policy.too_few()
    return Shown(100.0 * part / whole, whole)


def comments(n: int, policy: Policy) -> Result:
    """Whether free-text comments from n respondents may be shown."""
    needed = max(policy.comment_min, policy.k)
    if n >= needed:
        return Shown(n, n)
    return Suppressed(f"suppressed (comments need at least {needed} respondents)")


@dataclass(frozen=True)
class Breakdown(Generic[K]):
    """A breakdown after suppression: each cell, and the total."""

    cells: dict[K, Result]
    total: Result


def breakdown(counts: Mapping[K, int], policy: Policy) -> Breakdown[K]:
    """Counts per category plus their total, with primary and complementary suppression.

    Cells below k are hidden. While the hidden cells could be worked out from
    the total -- exactly one is hidden, or together they hold fewer than k --
    the smallest cell still shown is hidden too. When the total itself is below
    k, everything is hidden.
    """
    if any(n < 0 for n in counts.values()):
        raise ValueError("counts cannot be negative")
    total_n = sum(counts.values())
    if total_n < policy.k:
        return Breakdown({key: policy.too_few() for key in counts}, policy.too_few())
    hidden = {key for key, n in counts.items() if n < policy.k}
    by_size = sorted(counts, key=lambda key: (counts[key], str(key)))
    while hidden and (len(hidden) == 1 or sum(counts[key] for key in hidden) < policy.k):
        hidden.add(next(key for key in by_size if key not in hidden))
    # One reason for every hidden cell: telling the small ones from their complements
    # would tell an attacker which hidden cells hold k or more.
    hidden_reason = Suppressed(
        f"suppressed (fewer than {policy.k}, or hidden so that a smaller cell cannot be "
        "worked out by subtraction)"
    )
    cells: dict[K, Result] = {}
    for key, n in counts.items():
        if key not in hidden:
            cells[key] = Shown(n, n)
        else:
            cells[key] = hidden_reason
    return Breakdown(cells, Shown(total_n, total_n))


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
    """The days a period covers (a round is a slice of its own, nested in nothing)."""
    if period_kind == "week":
        year, week = period.split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
        return frozenset(monday + timedelta(days=i) for i in range(7))
    if period_kind == "month":
        first = date.fromisoformat(f"{period}-01")
        days = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - first
        return frozenset(first + timedelta(days=i) for i in range(days.days))
    return frozenset({f"{period_kind}:{period}"})


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
            (series(cell), _bucket(cell.period_kind, cell.period)), Ledger(policy)
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


# --- Row-level data (research exports) -------------------------------------------------
#
# A row-level export is k-anonymous when every combination of quasi-identifiers
# (level, tenure, gender, role, dates ...) it contains is shared by at least k
# rows. First the quasi-identifiers are generalised globally along their
# hierarchies (dates to months, quarters, years; bands to coarser bands), the
# one that fixes the most small groups first, until few rows remain in groups
# below k; then, as sdcMicro's local suppression does, single values of the
# remaining small groups are blanked (missing), the most detailed variable
# first, one value per round, until every group holds k. A blank is a category
# of its own when groups are counted, so the guarantee holds for an attacker
# who treats a missing value as "unknown" too. A group that stays below k with
# every value blanked is withheld.

Combo = tuple[str | None, ...]


@dataclass(frozen=True)
class Hierarchy:
    """How one quasi-identifier coarsens: level 0 is the stored value, each step coarser.

    ``suppressible=False`` marks a column that partitions the export (e.g. the
    survey, which names the table a row is in): it is part of every group but
    never blanked.
    """

    name: str
    steps: tuple[tuple[str, Callable[[str], str]], ...] = ()
    suppressible: bool = True

    def at(self, value: str | None, level: int) -> str | None:
        if value is None:
            return None
        for _, step in self.steps[:level]:
            value = step(value)
        return value

    def label(self, level: int) -> str:
        return "as recorded" if level == 0 else self.steps[level - 1][0]


@dataclass(frozen=True)
class RowPlan:
    """How every row of an export is coarsened: the levels, the blanks and the report."""

    k: int
    hierarchies: tuple[Hierarchy, ...]
    levels: tuple[int, ...]
    #: generalised combination -> positions blanked in it (absent = kept as it is)
    blanks: Mapping[Combo, frozenset[int]]
    #: generalised combinations whose rows are withheld altogether
    withheld: frozenset[Combo]
    rows: int
    suppressed_values: int
    suppressed_by_column: Mapping[str, int]
    withheld_rows: int
    #: the smallest group released (None when nothing is released)
    k_achieved: int | None
    #: group sizes after coarsening, by released combination
    group_sizes: Mapping[Combo, int]

    def generalise(self, values: Combo) -> Combo:
        return tuple(
            h.at(v, lvl) for h, v, lvl in zip(self.hierarchies, values, self.levels, strict=True)
        )

    def apply(self, values: Combo) -> Combo | None:
        """A row's quasi-identifiers as released, or None when the row is withheld."""
        combo = self.generalise(values)
        if combo in self.withheld:
            return None
        blanked = self.blanks.get(combo)
        if not blanked:
            return combo
        return tuple(None if i in blanked else v for i, v in enumerate(combo))

    def report(self) -> dict[str, object]:
        """What the disclosure report states (k, generalisation, suppression)."""
        return {
            "k_required": self.k,
            "k_achieved": self.k_achieved,
            "rows_in_scope": self.rows,
            "rows_released": self.rows - self.withheld_rows,
            "rows_withheld": self.withheld_rows,
            "generalised": {
                h.name: h.label(lvl)
                for h, lvl in zip(self.hierarchies, self.levels, strict=True)
                if h.steps or h.suppressible
            },
            "values_suppressed": self.suppressed_values,
            "values_suppressed_by_column": dict(self.suppressed_by_column),
        }


def _coarsened(
    counts: Mapping[Combo, int], hierarchies: Sequence[Hierarchy], levels: Sequence[int]
) -> dict[Combo, int]:
    out: dict[Combo, int] = {}
    for combo, n in counts.items():
        key = tuple(h.at(v, lvl) for h, v, lvl in zip(hierarchies, combo, levels, strict=True))
        out[key] = out.get(key, 0) + n
    return out


def _rows_below(counts: Mapping[Combo, int], k: int) -> int:
    return sum(n for n in counts.values() if n < k)


def anonymise_rows(
    counts: Mapping[Combo, int],
    hierarchies: Sequence[Hierarchy],
    policy: Policy,
    *,
    max_suppressed_share: float = 0.01,
) -> RowPlan:
    """Plan generalisation and local suppression so every released group holds k rows.

    ``counts`` holds the number of rows per combination of the stored values
    (one value per hierarchy, in order). Generalisation stops once at most
    ``max_suppressed_share`` of the rows sit in groups below k, or when no
    further step would put fewer rows below k; local suppression then fixes
    those.
    """
    k = policy.k
    counts = {combo: n for combo, n in counts.items() if n > 0}
    if any(len(combo) != len(hierarchies) for combo in counts):
        raise ValueError("every combination needs one value per hierarchy")
    total = sum(counts.values())
    levels = [0] * len(hierarchies)
    current = _coarsened(counts, hierarchies, levels)
    while _rows_below(current, k) > max_suppressed_share * total:
        options = []
        for i, h in enumerate(hierarchies):
            if levels[i] < len(h.steps):
                trial = [*levels[:i], levels[i] + 1, *levels[i + 1 :]]
                after = _coarsened(counts, hierarchies, trial)
                distinct = len({combo[i] for combo in current})
                options.append((_rows_below(after, k), -distinct, i, trial, after))
        best = min(options, key=lambda o: o[:3]) if options else None
        if best is None or best[0] >= _rows_below(current, k):
            break  # coarsening further would only lose detail: suppress locally instead
        _, _, _, levels, current = best
    # Local suppression: blank the most detailed suppressible value of each small group.
    order = sorted(
        (i for i, h in enumerate(hierarchies) if h.suppressible),
        key=lambda i: (-len({combo[i] for combo in current}), i),
    )
    released: dict[Combo, Combo] = {combo: combo for combo in current}
    blanks: dict[Combo, set[int]] = {}
    withheld: set[Combo] = set()
    while True:
        sizes: dict[Combo, int] = {}
        for origin, shown in released.items():
            sizes[shown] = sizes.get(shown, 0) + current[origin]
        small = [origin for origin, shown in released.items() if sizes[shown] < k]
        if not small:
            break
        for origin in small:
            blanked = blanks.setdefault(origin, set())
            position = next((i for i in order if i not in blanked), None)
            if position is None:
                withheld.add(origin)
                del released[origin]
                continue
            blanked.add(position)
            released[origin] = tuple(None if i in blanked else v for i, v in enumerate(origin))
    by_column = {h.name: 0 for h in hierarchies if h.suppressible}
    suppressed = 0
    for origin, positions in blanks.items():
        if origin in withheld:
            continue
        for i in positions:
            by_column[hierarchies[i].name] += current[origin]
            suppressed += current[origin]
    final: dict[Combo, int] = {}
    for origin, shown in released.items():
        final[shown] = final.get(shown, 0) + current[origin]
    return RowPlan(
        k=k,
        hierarchies=tuple(hierarchies),
        levels=tuple(levels),
        blanks={c: frozenset(p) for c, p in blanks.items() if p and c not in withheld},
        withheld=frozenset(withheld),
        rows=total,
        suppressed_values=suppressed,
        suppressed_by_column=by_column,
        withheld_rows=sum(current[c] for c in withheld),
        k_achieved=min(final.values()) if final else None,
        group_sizes=final,
    )


@lru_cache(maxsize=4096)
def _bucket(period_kind: str, period: str) -> str:
    """The month a week or month lies in; a straddling week or a round stands alone."""
    if period_kind == "month":
        return period
    if period_kind == "week":
        days = sorted(d for d in period_days(period_kind, period) if isinstance(d, date))
        if days[0].month == days[-1].month:
            return f"{days[0]:%Y-%m}"
    return f"{period_kind}:{period}"
