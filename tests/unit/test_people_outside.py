"""disclosure.people_outside: a lower bound of the people who answered outside a group."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from surveys import disclosure


@dataclass(frozen=True)
class Cell:
    released_histogram: Mapping[str, int]
    released_people: int
    released_people_apart: Mapping[str, int] = field(default_factory=dict)


def _cell(sessions: list[tuple[int, str]]) -> Cell:
    """The cell the mixer would store for (person, answer) sessions, with exact people."""
    histogram: dict[str, int] = {}
    for _, value in sessions:
        histogram[value] = histogram.get(value, 0) + 1
    people = {p for p, _ in sessions}
    apart = {v: len({p for p, w in sessions if w != v}) for v in histogram}
    return Cell(histogram, len(people), apart)


def test_one_person_outside_a_group_is_one_person_however_many_sessions() -> None:
    # Four people answer 4 (three sessions each); one answers 1 and 2 (five sessions).
    sessions = [(p, "4") for p in range(4) for _ in range(3)]
    sessions += [(9, "1"), (9, "2"), (9, "1"), (9, "2"), (9, "1")]
    cell = _cell(sessions)
    assert disclosure.people_outside([cell], {"4", "5"}) == 1
    # Apart from 1: five people, of whom the two sessions of 2 may be two: at least 3 (of 4).
    assert disclosure.people_outside([cell], {"1", "2", "3"}) == 3
    assert disclosure.people_outside([cell], {"7"}) == 5  # nobody gave it: everyone
    assert disclosure.people_outside([cell], {"1", "2", "4"}) == 0


def test_it_never_exceeds_the_people_who_really_answered_outside() -> None:
    answers = ("1", "2", "4", "5")
    group = {"4", "5"}
    for pattern in itertools.product(answers, repeat=6):
        # Three people, two sessions each.
        sessions = [(i // 2, value) for i, value in enumerate(pattern)]
        truth = len({p for p, v in sessions if v not in group})
        bound = disclosure.people_outside([_cell(sessions)], group)
        assert bound <= truth, pattern
