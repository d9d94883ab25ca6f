"""How many distinct people a group of exported rows is known to hold (k counts people).

Stored responses carry no person id, so the number of people behind a group of
rows is a lower bound made from what storage guarantees:

* **Longitudinal rows** carry a pseudonym (one per person and programme): their
  people are the distinct pseudonyms, counted exactly, per programme.
* **Climate rows** (stored per round) come one per person per round: within one
  round, rows are people. Rows of different rounds may be the same person, so
  rounds are never added together.
* **Pulse rows without a pseudonym**: the mixer stores a (cohort columns, period)
  combination only when it holds at least k distinct people (PRODUCT.md 2.3).
  A group holds those k people only if it contains the *whole* stored
  combination; a piece of one (split by a finer attribute) is known to hold one
  person at least.

A group's people is the largest of these lower bounds over its parts (two parts
may be the same people, so they are not added). :class:`Tally` carries the
parts and merges them when groups are coarsened.

Aggregate cells carry the same kind of bound, kept by the mixer from the person
tags of the batches it counted (``released_people``, ``released_people_apart``;
surveys/aggregates/people.py); :func:`people_behind` reads it for a sum of
cells, which pulse figures are; :func:`people_outside` for answers taken
together (favourable: 4 or 5).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol


class CountedCell(Protocol):
    """A released cell and the people its snapshot is known to rest on."""

    @property
    def released_histogram(self) -> Mapping[str, int]: ...
    @property
    def released_people(self) -> int: ...
    @property
    def released_people_apart(self) -> Mapping[str, int]: ...


def people_behind(cells: Iterable[CountedCell]) -> tuple[int, dict[str, int]]:
    """(people, people apart from each answer) behind the sum of ``cells``, as lower bounds.

    Two cells (two cohorts, a week and its month, a fine cell and one the mixer
    generalised) may hold the same person, so bounds are never added: the sum
    rests on at least as many people as its largest part. Apart from an answer:
    in a cell that holds the answer, its own bound; in a cell that does not,
    every one of its people gave another answer.
    """
    parts = list(cells)
    people = max((c.released_people for c in parts), default=0)
    given = {value for c in parts for value, n in c.released_histogram.items() if n}
    apart = {
        value: max(
            (c.released_people_apart or {}).get(value, 0)
            if c.released_histogram.get(value)
            else c.released_people
            for c in parts
        )
        for value in given
    }
    return people, apart


def people_outside(cells: Iterable[CountedCell], group: Collection[str]) -> int:
    """People who gave an answer outside ``group`` (e.g. not 4 or 5), behind the sum of ``cells``.

    A lower bound, as :func:`people_behind`'s are. In a cell with no answer in
    ``group``, all its people. Otherwise, for each answer ``v`` of the group,
    the people apart from ``v`` gave either another answer of the group or one
    outside it, and the people giving the group's other answers are at most
    their sessions: so at least ``apart[v]`` less those sessions gave one
    outside (exact when ``v`` is the only answer of the group given). At least
    one when the cell holds such an answer at all. The largest over the cells.
    """
    best = 0
    for cell in cells:
        histogram = cell.released_histogram
        inside = {v: n for v, n in histogram.items() if n and v in group}
        if not any(n for v, n in histogram.items() if v not in group):
            continue
        if not inside:
            best = max(best, cell.released_people)
            continue
        apart = cell.released_people_apart or {}
        others = sum(inside.values())
        bound = max(apart.get(v, 0) - (others - n) for v, n in inside.items())
        best = max(best, bound, 1)
    return best


@dataclass(frozen=True)
class Tally:
    """The rows of a combination and the parts its people are counted from."""

    rows: int
    #: programme -> distinct pseudonyms of its longitudinal rows
    pseudonyms: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: a part whose rows are distinct people (a climate round) -> rows
    distinct: Mapping[str, int] = field(default_factory=dict)
    #: a stored mixer combination -> (its rows in this group, all its rows)
    batches: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def of_rows(cls, rows: int) -> Tally:
        """Rows that are people (one part): how plain counts are read."""
        return cls(rows, distinct={"": rows})

    def __add__(self, other: Tally) -> Tally:
        pseudonyms = dict(self.pseudonyms)
        for key, names in other.pseudonyms.items():
            pseudonyms[key] = pseudonyms.get(key, frozenset()) | names
        distinct = dict(self.distinct)
        for key, n in other.distinct.items():
            distinct[key] = distinct.get(key, 0) + n
        batches = dict(self.batches)
        for key, (part, whole) in other.batches.items():
            batches[key] = (batches.get(key, (0, whole))[0] + part, whole)
        return Tally(self.rows + other.rows, pseudonyms, distinct, batches)

    def people(self, k: int) -> int:
        """The fewest distinct people these rows can be, given storage's guarantees."""
        best = 0
        for names in self.pseudonyms.values():
            best = max(best, len(names))
        for n in self.distinct.values():
            best = max(best, n)
        for part, whole in self.batches.values():
            best = max(best, k if part == whole and whole >= k else min(part, 1))
        return best
