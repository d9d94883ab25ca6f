"""What a lead (or a coordinator) sees: cells summed to one attribute per month, judged as shown.

Leads never see the fine role x level x tenure x gender cells the mixer stores,
only sums: one cohort attribute at a time per month or round (the API's ``by``
listings), and the whole survey per month (the pulse page, the headline). So
every rule is decided on those sums, not on the fine cells inside them
(issue 22): a fine cell of six people who all answered 4 hides nothing once it
is added to thirty others, and hiding it first would hide the whole month.

* **Each shown sum passes every rule itself**: k (people, for pulses), and no
  group attribute disclosure (:func:`~surveys.reports.released_cells.attribute_safe`,
  the rule of :func:`surveys.disclosure.distribution` and
  :func:`surveys.disclosure.options`).
* **Complementary suppression** (:func:`complement`). The total of a listing
  (a question in a month, over every value of the attribute) is what the pulse
  page shows, so the hidden values of a listing are known together: total
  minus the shown values. They are hidden further, smallest first, until their
  sum passes the same rules as a shown figure (or everything is hidden).
* **Months and rounds only.** A week inside a shown month could be subtracted
  from it; leads read months (as the pages do), so weeks are not listed to them.
  Successive passes move a month only by whole batches of at least k people
  (the mixer's promise).

A cross-organisation programme's pool is judged as one figure, with the
members' people added (a person belongs to one firm):
:func:`surveys.reports.pooled.pooled_cells`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from operator import attrgetter

from surveys import disclosure
from surveys.aggregates import RESPONSES
from surveys.domain.vocab import CELL_KEY, COHORT
from surveys.reports.released_cells import (
    ALL,
    ONE_AT_A_TIME,
    ReleasedCellView,
    attribute_safe,
)

__all__ = ["add_up", "added", "by_attribute", "complement", "listing_key", "passes", "summed"]

#: How the people of a sum are counted from its parts' (people, apart) bounds.
People = Callable[[Sequence[ReleasedCellView]], tuple[int, dict[str, int]]]


def _largest(parts: Sequence[ReleasedCellView]) -> tuple[int, dict[str, int]]:
    """Parts that may hold the same person: the largest part's bounds."""
    return disclosure.people_behind(parts)


def added(parts: Sequence[ReleasedCellView]) -> tuple[int, dict[str, int]]:
    """Parts that are different people (different firms): their bounds add up."""
    people = sum(p.released_people for p in parts)
    given = {v for p in parts for v, n in p.released_histogram.items() if n}
    apart = {
        value: sum(
            (p.released_people_apart or {}).get(value, 0)
            if p.released_histogram.get(value)
            else p.released_people
            for p in parts
        )
        for value in given
    }
    return people, apart


def add_up(
    parts: Sequence[ReleasedCellView], fields: Mapping[str, object], people: People = _largest
) -> ReleasedCellView:
    """The sum of ``parts`` as one cell with the key ``fields`` (every CELL_KEY name)."""
    histogram: dict[str, int] = {}
    for part in parts:
        for value, c in part.released_histogram.items():
            histogram[value] = histogram.get(value, 0) + c
    behind, apart = people(parts)
    return ReleasedCellView(
        id=min(part.id for part in parts),
        survey_key=str(fields["survey_key"]),
        survey_version=int(str(fields["survey_version"])),
        question_key=str(fields["question_key"]),
        item=str(fields["item"]),
        firm_id=int(str(fields["firm_id"])),
        programme_id=int(str(fields["programme_id"])),
        role=str(fields["role"]),
        level_band=str(fields["level_band"]),
        tenure_band=str(fields["tenure_band"]),
        gender_group=str(fields["gender_group"]),
        period_kind=str(fields["period_kind"]),
        period=str(fields["period"]),
        released_n=sum(part.released_n for part in parts),
        released_total=sum(part.released_total for part in parts),
        released_total_sq=sum(part.released_total_sq for part in parts),
        released_histogram=histogram,
        released_people=behind,
        released_people_apart=apart,
    )


def listing_key(cell: ReleasedCellView, by: str) -> tuple[object, ...]:
    """The CELL_KEY of the one-attribute sum ``cell`` counts in (other attributes: ALL)."""
    cohort = tuple(getattr(cell, name) if name == by else ALL for name in COHORT)
    return (
        cell.survey_key,
        cell.survey_version,
        cell.question_key,
        cell.item,
        cell.firm_id,
        cell.programme_id,
        *cohort,
        cell.period_kind,
        cell.period,
    )


def summed(
    cells: Iterable[ReleasedCellView], by: str, people: People = _largest
) -> list[ReleasedCellView]:
    """Cells added up to one attribute per month or round (weeks left out), not judged yet."""
    if by not in ONE_AT_A_TIME:
        raise ValueError(f"by must be one of {', '.join(ONE_AT_A_TIME)}")
    groups: dict[tuple[object, ...], list[ReleasedCellView]] = defaultdict(list)
    for cell in cells:
        if cell.period_kind != "week":
            groups[listing_key(cell, by)].append(cell)
    found = [
        add_up(parts, dict(zip(CELL_KEY, key, strict=True)), people)
        for key, parts in groups.items()
    ]
    found.sort(key=attrgetter("id"))
    return found


def _table(cell: ReleasedCellView) -> tuple[object, ...]:
    """The listing a sum is one value of: its key without the cohort."""
    return (*_group(cell), cell.question_key, cell.item)


def _group(cell: ReleasedCellView) -> tuple[object, ...]:
    return (
        cell.survey_key,
        cell.survey_version,
        cell.firm_id,
        cell.programme_id,
        cell.period_kind,
        cell.period,
    )


def _cohort(cell: ReleasedCellView) -> tuple[str, ...]:
    return tuple(getattr(cell, name) for name in COHORT)


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
        tables[_table(cell)].append(cell)
        if cell.question_key == RESPONSES:
            responses[(*_group(cell), _cohort(cell))] = cell
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
        responses[(*_group(h), _cohort(h))] for h in hidden if (*_group(h), _cohort(h)) in responses
    ]
    respondents = add_up(base, {**fields, "question_key": RESPONSES, "item": ""}) if base else None
    return passes(remainder, respondents, policy)


def _key(cell: ReleasedCellView) -> tuple[Hashable, ...]:
    return (*_table(cell), *_cohort(cell))


def by_attribute(
    cells: Sequence[ReleasedCellView], by: str, policy: disclosure.Policy, people: People = _largest
) -> list[ReleasedCellView]:
    """Cells summed to one cohort attribute per month or round, each sum judged as shown.

    ``cells``: the candidate cells of :func:`~surveys.reports.released_cells.candidate_cells`
    (never judged one by one). A sum is shown when it passes k and the group
    attribute rule itself, and complementary suppression leaves it shown.
    """
    listing = summed(cells, by, people)
    safe = [c for c in attribute_safe(listing, policy) if passes(c, None, policy) or c.item]
    return complement(listing, safe, policy)
