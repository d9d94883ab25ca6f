"""Row-level data (research exports): k-anonymity by generalisation and local suppression.

A row-level export is k-anonymous when every combination of quasi-identifiers
(level, tenure, gender, role, dates ...) it contains is shared by at least k
rows. First the quasi-identifiers are generalised globally along their
hierarchies (dates to months, quarters, years; bands to coarser bands), the
one that fixes the most small groups first, until few rows remain in groups
below k; then, as sdcMicro's local suppression does, single values of the
remaining small groups are blanked (missing), the most detailed variable
first, one value per round, until every group holds k. A blank is a category
of its own when groups are counted, so the guarantee holds for an attacker
who treats a missing value as "unknown" too. A group that stays below k with
every value blanked is withheld.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from surveys.disclosure.rules import Policy

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
