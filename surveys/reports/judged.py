"""Judging what a lead sees: each sum by itself, then complementary suppression.

* **Each shown sum passes every rule itself** (:func:`passes`): k (people, for
  pulses), and no group attribute disclosure
  (:func:`~surveys.reports.released_cells.attribute_safe`, the rule of
  :func:`surveys.disclosure.distribution` and :func:`surveys.disclosure.options`).
* **Complementary suppression** (:func:`complement`). The total of a listing
  (a question in a month, over every value of the attribute) is what the pulse
  page shows, so the hidden values of a listing are known together: total
  minus the shown values. They are hidden further, smallest first, until their
  sum passes the same rules as a shown figure (or everything is hidden).

:mod:`surveys.reports.shown_sums` makes the sums; :func:`by_attribute` is a
lead's one-attribute listing, judged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence

from surveys import disclosure
from surveys.aggregates import RESPONSES
from surveys.domain.vocab import CELL_KEY
from surveys.reports.released_cells import ALL, ReleasedCellView, attribute_safe
from surveys.reports.shown_sums import (
    Figures,
    add_up,
    cohort_of,
    group_of,
    listing_key,
    summed,
    table_of,
)

__all__ = ["by_attribute", "complement", "passes"]


def passes(
    cell: ReleasedCellView, respondents: ReleasedCellView | None, policy: disclosure.Policy
) -> bool:
    """Whether one figure (a sum, or a difference of sums) may be shown by itself.

    A head count needs k (people, on pulses); an option k choosers and k
    others among ``respondents`` (its cohort and period's responses cell); a
    distribution the group attribute rule. Climate rounds: responses are people.
    """
    in_people = cell.period_kind != "round"
    k = policy.k
    if cell.released_n < k or (in_people and cell.released_people < k):
        return False
    if cell.question_key == RESPONSES:
        return True
    if cell.item:
        whole = respondents.released_n if respondents is not None else cell.released_n
        if cell.released_n > whole - k:
            return False
        return not in_people or (cell.released_people_apart or {}).get("1", 0) >= k
    histogram = disclosure.released(cell).histogram
    n = max(cell.released_n, sum(histogram.values()))
    if not in_people:
        return disclosure.distribution(histogram, policy, n).shown
    return disclosure.distribution(
        histogram, policy, n, people=cell.released_people, apart=cell.released_people_apart
    ).shown


def complement(
    listing: Sequence[ReleasedCellView],
    shown: Iterable[ReleasedCellView],
    policy: disclosure.Policy,
) -> list[ReleasedCellView]:
    """The cells of ``shown`` still shown once hidden values cannot be worked out.

    ``listing`` holds every value of every listing (shown or not); the total of
    each listing is taken as known. Where values are hidden, more are hidden,
    smallest first, until the hidden ones' sum passes :func:`passes`. Two values
    of a listing may hold the same person (a mentor in a cohort's week and in the
    month the mixer merged leftovers into), so the sum rests on its largest part.
    """
    shown = list(shown)
    visible = {_key(c) for c in shown}
    tables: dict[tuple[object, ...], list[ReleasedCellView]] = defaultdict(list)
    responses: dict[tuple[object, ...], ReleasedCellView] = {}
    for cell in listing:
        tables[table_of(cell)].append(cell)
        if cell.question_key == RESPONSES:
            responses[(*group_of(cell), cohort_of(cell))] = cell
    for parts in tables.values():
        hidden = [p for p in parts if _key(p) not in visible]
        if not hidden:
            continue
        rest = sorted(
            (p for p in parts if _key(p) in visible), key=lambda p: (p.released_n, _key(p))
        )
        while rest and not _remainder_passes(hidden, responses, policy):
            moved = rest.pop(0)
            hidden.append(moved)
            visible.discard(_key(moved))
    return [c for c in shown if _key(c) in visible]


def _remainder_passes(
    hidden: Sequence[ReleasedCellView],
    responses: Mapping[tuple[object, ...], ReleasedCellView],
    policy: disclosure.Policy,
) -> bool:
    first = hidden[0]
    fields = dict(
        zip(
            CELL_KEY,
            (*listing_key(first, "role")[:6], ALL, ALL, ALL, ALL, first.period_kind, first.period),
            strict=True,
        )
    )
    remainder = add_up(hidden, fields)
    base = [
        responses[(*group_of(h), cohort_of(h))]
        for h in hidden
        if (*group_of(h), cohort_of(h)) in responses
    ]
    respondents = add_up(base, {**fields, "question_key": RESPONSES, "item": ""}) if base else None
    return passes(remainder, respondents, policy)


def _key(cell: ReleasedCellView) -> tuple[Hashable, ...]:
    return (*table_of(cell), *cohort_of(cell))


def by_attribute(
    cells: Sequence[ReleasedCellView],
    by: str,
    policy: disclosure.Policy,
    figures: Figures | None = None,
) -> list[ReleasedCellView]:
    """Cells summed to one cohort attribute per month or round, each sum judged as shown.

    ``cells``: the candidate cells of :func:`~surveys.reports.released_cells.candidate_cells`
    (never judged one by one). A sum is shown when it passes k and the group
    attribute rule itself, and complementary suppression leaves it shown.
    """
    listing = summed(cells, by, figures=figures)
    safe = [c for c in attribute_safe(listing, policy) if passes(c, None, policy) or c.item]
    return complement(listing, safe, policy)
