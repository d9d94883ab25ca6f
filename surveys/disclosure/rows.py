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

k counts people (:mod:`surveys.disclosure.people`). A plan made once is kept
(:meth:`RowPlan.to_json`) and applied again later (:func:`replan`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from surveys.disclosure.people import Tally
from surveys.disclosure.priorities import blank_order, choose_step, ranks, rescue
from surveys.disclosure.rules import Policy

Combo = tuple[str | None, ...]
#: Rows per combination: a plain count (rows are people) or a :class:`Tally`.
Counts = Mapping[Combo, int] | Mapping[Combo, Tally]


@dataclass(frozen=True)
class Hierarchy:
    """How one quasi-identifier coarsens: level 0 is the stored value, each step coarser.

    ``suppressible=False``: a column that partitions the export (the survey) is
    part of every group but never blanked.
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
    #: group sizes (distinct people) after coarsening, by released combination
    group_sizes: Mapping[Combo, int]
    #: every generalised combination the plan was made for (released, blanked or withheld)
    known: frozenset[Combo] = frozenset()

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

    def to_json(self) -> dict[str, object]:
        """What :func:`replan` needs to apply this plan again (stored per release)."""
        return {
            "k": self.k,
            "hierarchies": [h.name for h in self.hierarchies],
            "levels": list(self.levels),
            "known": sorted((list(c) for c in self.known), key=_sort_key),
            "blanks": sorted(([list(c), sorted(p)] for c, p in self.blanks.items()), key=str),
            "withheld": sorted((list(c) for c in self.withheld), key=_sort_key),
        }

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


def _sort_key(combo: list[str | None]) -> list[str]:
    return ["" if v is None else f"~{v}" for v in combo]


def _tallies(counts: Counts) -> dict[Combo, Tally]:
    out: dict[Combo, Tally] = {}
    for combo, n in counts.items():
        tally = n if isinstance(n, Tally) else Tally.of_rows(n)
        if tally.rows > 0:
            out[combo] = tally
    return out


def _coarsened(
    counts: Mapping[Combo, Tally], hierarchies: Sequence[Hierarchy], levels: Sequence[int]
) -> dict[Combo, Tally]:
    out: dict[Combo, Tally] = {}
    for combo, n in counts.items():
        key = tuple(h.at(v, lvl) for h, v, lvl in zip(hierarchies, combo, levels, strict=True))
        before = out.get(key)
        out[key] = n if before is None else before + n
    return out


def _rows_below(counts: Mapping[Combo, Tally], k: int) -> int:
    return sum(n.rows for n in counts.values() if n.people(k) < k)


def _sizes(released: Mapping[Combo, Combo], current: Mapping[Combo, Tally]) -> dict[Combo, Tally]:
    sizes: dict[Combo, Tally] = {}
    for origin, shown in released.items():
        before = sizes.get(shown)
        sizes[shown] = current[origin] if before is None else before + current[origin]
    return sizes


def anonymise_rows(
    counts: Counts,
    hierarchies: Sequence[Hierarchy],
    policy: Policy,
    *,
    max_suppressed_share: float = 0.01,
    protect: Sequence[str] = (),
    levels: Sequence[int] | None = None,
) -> RowPlan:
    """Plan generalisation and local suppression so every released group holds k people.

    ``counts``: rows per combination of stored values (one per hierarchy), a
    :class:`Tally` or a plain count (rows are people). Generalisation stops once at most
    ``max_suppressed_share`` of the rows sit in groups below k, or when no
    further step would put fewer rows below k; local suppression then fixes
    those. ``protect`` lists columns to keep first (:mod:`surveys.disclosure.priorities`).
    ``levels`` fixes the generalisation (a later part of one release lineage): only
    local suppression is planned then.
    """
    k = policy.k
    rank = ranks([h.name for h in hierarchies], protect)
    tallies = _tallies(counts)
    if any(len(combo) != len(hierarchies) for combo in tallies):
        raise ValueError("every combination needs one value per hierarchy")
    total = sum(t.rows for t in tallies.values())
    fixed = levels is not None
    levels = list(levels) if levels is not None else [0] * len(hierarchies)
    current = _coarsened(tallies, hierarchies, levels)
    while not fixed and (below := _rows_below(current, k)) > 0:
        fine = below <= max_suppressed_share * total  # few enough to blank locally
        if fine and not protect:
            break
        options = []
        for i, h in enumerate(hierarchies):
            if levels[i] < len(h.steps):
                trial = [*levels[:i], levels[i] + 1, *levels[i + 1 :]]
                after = _coarsened(tallies, hierarchies, trial)
                distinct = len({combo[i] for combo in current})
                options.append((_rows_below(after, k), -distinct, i, trial, after))
        best = choose_step(options, rank, below, fine)
        if best is None:
            break  # coarsening further would only lose detail: suppress locally instead
        _, _, _, levels, current = best
    # Local suppression: blank the most detailed suppressible value of each small group.
    order = blank_order([i for i, h in enumerate(hierarchies) if h.suppressible], current, rank)
    released: dict[Combo, Combo] = {combo: combo for combo in current}
    blanks: dict[Combo, set[int]] = {}
    withheld: set[Combo] = set()
    while True:
        sizes = _sizes(released, current)
        small = [origin for origin, shown in released.items() if sizes[shown].people(k) < k]
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
    if withheld and any(rank):  # protected values: release lone rows with donors, not withhold
        keep = [i for i, h in enumerate(hierarchies) if rank[i] or i not in order]
        people = lambda r: {c: n.people(k) for c, n in _sizes(r, current).items()}  # noqa: E731
        rescue(withheld, released, blanks, keep, people, k)
    return _plan(
        policy,
        hierarchies,
        levels,
        current,
        {c: frozenset(p) for c, p in blanks.items() if p and c not in withheld},
        withheld,
        released,
    )


def _plan(
    policy: Policy,
    hierarchies: Sequence[Hierarchy],
    levels: Sequence[int],
    current: Mapping[Combo, Tally],
    blanks: Mapping[Combo, frozenset[int]],
    withheld: set[Combo],
    released: Mapping[Combo, Combo],
) -> RowPlan:
    by_column = {h.name: 0 for h in hierarchies if h.suppressible}
    suppressed = 0
    for origin, positions in blanks.items():
        if origin in withheld or origin not in current:
            continue
        for i in positions:
            by_column[hierarchies[i].name] += current[origin].rows
            suppressed += current[origin].rows
    final = {shown: n.people(policy.k) for shown, n in _sizes(released, current).items()}
    return RowPlan(
        k=policy.k,
        hierarchies=tuple(hierarchies),
        levels=tuple(levels),
        blanks=blanks,
        withheld=frozenset(withheld),
        rows=sum(t.rows for t in current.values()),
        suppressed_values=suppressed,
        suppressed_by_column=by_column,
        withheld_rows=sum(current[c].rows for c in withheld if c in current),
        k_achieved=min(final.values()) if final else None,
        group_sizes=final,
        known=frozenset(current),
    )


def replan(
    stored: Mapping[str, object],
    counts: Counts,
    hierarchies: Sequence[Hierarchy],
    policy: Policy,
) -> RowPlan:
    """Apply a stored plan (:meth:`RowPlan.to_json`) to the rows in scope now.

    Levels and blanks stay as stored. A combination the plan was not made for
    (rows mixed in later) is withheld, and so is a released group that no longer
    holds k people (rows deleted since).
    """
    if list(stored["hierarchies"]) != [h.name for h in hierarchies]:  # type: ignore[call-overload]
        raise ValueError("the stored plan was made for other quasi-identifiers")
    levels = [int(x) for x in stored["levels"]]  # type: ignore[attr-defined]
    known = {tuple(c) for c in stored["known"]}  # type: ignore[attr-defined]
    blanks = {tuple(c): frozenset(p) for c, p in stored["blanks"]}  # type: ignore[attr-defined]
    was_withheld = {tuple(c) for c in stored["withheld"]}  # type: ignore[attr-defined]
    current = _coarsened(_tallies(counts), hierarchies, levels)
    withheld = {c for c in current if c in was_withheld or c not in known}
    released = {
        c: tuple(None if i in blanks.get(c, ()) else v for i, v in enumerate(c))
        for c in current
        if c not in withheld
    }
    sizes = _sizes(released, current)
    for origin, shown in list(released.items()):
        if sizes[shown].people(policy.k) < policy.k:
            withheld.add(origin)
            del released[origin]
    kept_blanks = {c: p for c, p in blanks.items() if c in released}
    return _plan(policy, hierarchies, levels, current, kept_blanks, withheld, released)
