"""The researcher's priorities in a row-level plan: which quasi-identifiers to protect first.

An export request may list quasi-identifiers in the order the researcher
wants them kept (e.g. ``role`` first: the comparison the study is about).
:func:`surveys.disclosure.anonymise_rows` then coarsens and blanks the
columns not listed before any listed one, and among the listed ones the last
before the first. A protected column is generalised only when no step on a
less protected column lowers the rows below k, and blanked in a small group
only after every less protected value of that group is blank; and while any
group is below k, the columns not listed are coarsened further (where that
helps) before local suppression blanks anything. The cost of that choice is
in the disclosure report. Without priorities every column ranks the same and
the plan is the default one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

#: A combination of quasi-identifier values (as :data:`surveys.disclosure.rows.Combo`).
Combo = tuple[str | None, ...]


def ranks(names: Sequence[str], protect: Sequence[str]) -> list[int]:
    """Each column's protection rank: 0 when not listed, else higher the earlier it is listed."""
    listed = list(protect)
    return [len(listed) - listed.index(n) if n in listed else 0 for n in names]


def choose_step(
    options: Sequence[tuple[Any, ...]], rank: Sequence[int], before: int, fine: bool = False
) -> Any:
    """The generalisation step to take, or None when none lowers the rows below k.

    ``options`` are (rows below k after the step, -distinct values, column, ...):
    among the steps that help, those on the least protected columns, then the
    default choice (fewest rows left below k, most detailed column first).
    ``fine``: so few rows are left below k that the default plan would blank
    them locally; with priorities, the columns not listed are coarsened further
    instead, so no listed column is blanked while coarsening another would do.
    """
    helpful = [o for o in options if o[0] < before and not (fine and rank[o[2]] > 0)]
    if not helpful:
        return None
    lowest = min(rank[o[2]] for o in helpful)
    return min((o for o in helpful if rank[o[2]] == lowest), key=lambda o: o[:3])


def blank_order(
    suppressible: Collection[int], current: Collection[Combo], rank: Sequence[int]
) -> list[int]:
    """The order local suppression blanks columns in: least protected, then most detailed.
    A column with one value throughout is never blanked (it would merge no groups)."""
    distinct = {i: len({combo[i] for combo in current}) for i in suppressible}
    useful = [i for i in suppressible if distinct[i] > 1]
    return sorted(useful, key=lambda i: (rank[i], -distinct[i], i))


def rescue(
    withheld: set[Combo],
    released: dict[Combo, Combo],
    blanks: dict[Combo, set[int]],
    keep: Collection[int],
    people_of: Callable[[Mapping[Combo, Combo]], Mapping[Combo, int]],
    k: int,
) -> None:
    """Release rows local suppression would withhold, keeping their protected values.

    A row left alone below k even with every value blanked (its role, say) would
    leave a side of a comparison one person short. Instead its unprotected values
    are blanked (``keep``: the protected and unsuppressible positions) and rows of
    larger groups with the same protected values join it, blanked the same way,
    until the joint group holds k people; a donor is taken only if the group it
    leaves still holds k (or is left empty). Nothing is changed when that fails.
    """
    patterns: dict[Combo, list[Combo]] = {}
    for origin in withheld:
        shape = tuple(v if i in keep else None for i, v in enumerate(origin))
        patterns.setdefault(shape, []).append(origin)
    for shape, origins in sorted(patterns.items(), key=lambda item: str(item[0])):
        trial = dict(released) | dict.fromkeys(origins, shape)
        sizes = people_of(trial)
        moved: list[Combo] = []
        donors = [o for o, shown in released.items() if shown != shape and _fits(o, shape, keep)]
        for donor in sorted(donors, key=str):
            if sizes.get(shape, 0) >= k:
                break
            before = trial[donor]
            trial[donor] = shape
            after = people_of(trial)
            if 0 < after.get(before, 0) < k:
                trial[donor] = before  # its own group would fall below k
                continue
            sizes = after
            moved.append(donor)
        if sizes.get(shape, 0) < k:
            continue
        released.update(trial)
        blanked = {i for i in range(len(shape)) if i not in keep}
        for origin in (*origins, *moved):
            withheld.discard(origin)
            blanks[origin] = set(blanked)


def _fits(origin: Combo, shape: Combo, keep: Collection[int]) -> bool:
    return all(origin[i] == shape[i] for i in keep)
