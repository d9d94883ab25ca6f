"""What a lead (or a coordinator) sees: cells summed to one attribute per month, judged as shown.

Leads never see the fine role x level x tenure x gender cells the mixer stores,
only sums: one cohort attribute at a time per month or round (the API's ``by``
listings), and the whole survey per month (the pulse page, the headline). So
every rule is decided on those sums, not on the fine cells inside them
(issue 22): a fine cell of six people who all answered 4 hides nothing once it
is added to thirty others, and hiding it first would hide the whole month.

Every sum is then judged as shown (:mod:`surveys.reports.judged`: each by
itself, then complementary suppression against the page total). Exact people:
with the mixer's counts (:func:`figures_of`), a sum carries the distinct people
behind it (:func:`exact`); without, the largest part's lower bound.

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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from operator import attrgetter

from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.aggregates import EVERYONE, FigureKey, People, figure_people, people_of
from surveys.domain.vocab import CELL_KEY, COHORT
from surveys.reports.released_cells import (
    ALL,
    ONE_AT_A_TIME,
    ReleasedCellView,
)

__all__ = [
    "Figures",
    "add_up",
    "added",
    "cohort_of",
    "everyone",
    "exact",
    "figures_of",
    "group_of",
    "listing_key",
    "summed",
    "table_of",
]

#: The exact people the mixer counted per figure (:func:`surveys.aggregates.figure_people`).
Figures = Mapping[FigureKey, People]

#: How the people of a sum are counted from its parts' (people, apart) bounds.
PeopleOf = Callable[[Sequence[ReleasedCellView]], tuple[int, dict[str, int]]]


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
    parts: Sequence[ReleasedCellView], fields: Mapping[str, object], people: PeopleOf = _largest
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


def figures_of(
    session: Session,
    programme_id: int,
    survey_key: str | None = None,
    firm_ids: Collection[int] | None = None,
) -> Figures:
    """The exact people of a programme's months, rounds (and programme to date), loaded once."""
    return figure_people(session, programme_id, survey_key=survey_key, firm_ids=firm_ids)


def exact(cell: ReleasedCellView, attribute: str, figures: Figures | None) -> ReleasedCellView:
    """``cell`` (a sum by ``attribute``, or EVERYONE) with the exact people the mixer counted.

    Left with its bounds when the figure was not counted (released before exact counting).
    """
    if not figures:
        return cell
    value = EVERYONE if attribute == EVERYONE else str(getattr(cell, attribute))
    key = FigureKey(
        cell.programme_id,
        cell.survey_key,
        cell.survey_version,
        cell.question_key,
        cell.item if cell.question_key else "",
        cell.firm_id,
        attribute,
        value,
        cell.period_kind,
        cell.period,
    )
    found = people_of(figures, key)
    if found is None:
        return cell
    given = [v for v, n in cell.released_histogram.items() if n]
    apart = {v: found.apart_from(v) for v in given}
    return replace(cell, released_people=found.people, released_people_apart=apart)


def everyone(
    cells: Iterable[ReleasedCellView], figures: Figures | None = None
) -> list[ReleasedCellView]:
    """Cells added up over every cohort per question and period: the pages' figures.

    With ``figures``, each carries the exact people behind it; else the largest part's.
    """
    groups: dict[tuple[object, ...], list[ReleasedCellView]] = defaultdict(list)
    for cell in cells:
        groups[(*listing_key(cell, "role")[:6], ALL, ALL, ALL, ALL, *group_of(cell)[4:])].append(
            cell
        )
    found = [
        exact(add_up(parts, dict(zip(CELL_KEY, key, strict=True))), EVERYONE, figures)
        for key, parts in groups.items()
    ]
    found.sort(key=attrgetter("id"))
    return found


def summed(
    cells: Iterable[ReleasedCellView],
    by: str,
    people: PeopleOf = _largest,
    figures: Figures | None = None,
) -> list[ReleasedCellView]:
    """Cells added up to one attribute per month or round (weeks left out), not judged yet.

    With ``figures``, each sum carries the exact people behind it; else its largest part's.
    """
    if by not in ONE_AT_A_TIME:
        raise ValueError(f"by must be one of {', '.join(ONE_AT_A_TIME)}")
    groups: dict[tuple[object, ...], list[ReleasedCellView]] = defaultdict(list)
    for cell in cells:
        if cell.period_kind != "week":
            groups[listing_key(cell, by)].append(cell)
    found = [
        exact(add_up(parts, dict(zip(CELL_KEY, key, strict=True)), people), by, figures)
        for key, parts in groups.items()
    ]
    found.sort(key=attrgetter("id"))
    return found


def table_of(cell: ReleasedCellView) -> tuple[object, ...]:
    """The listing a sum is one value of: its key without the cohort."""
    return (*group_of(cell), cell.question_key, cell.item)


def group_of(cell: ReleasedCellView) -> tuple[object, ...]:
    return (
        cell.survey_key,
        cell.survey_version,
        cell.firm_id,
        cell.programme_id,
        cell.period_kind,
        cell.period,
    )


def cohort_of(cell: ReleasedCellView) -> tuple[str, ...]:
    return tuple(getattr(cell, name) for name in COHORT)
