"""The people behind each aggregate cell (pure): lower bounds from person tags, pass by pass.

The mixer counts, per cell, the distinct person tags of the sessions it adds
(surveys/aggregates/people.py), then drops the tags; later passes can only
keep the larger of two bounds. Whatever the sessions, passes and tag scopes,
every stored figure must stay at or below the truth (the people really
behind it), and a single pass within one tag scope must count exactly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.aggregates.cells import RESPONSES, CellKey, Stats, contributions
from surveys.aggregates.people import Counted, Headcount, Tagged, headcounts, merged
from surveys.domain.periods import month_of_week

OPTIONS = ("technology", "wellbeing")


@dataclass(frozen=True)
class Stored:
    """A response as the cells see it (surveys.aggregates.cells.ResponseLike)."""

    period: str
    level_band: str = "junior"
    survey_key: str = "mentor_pulse"
    survey_version: int = 1
    firm_id: int = 1
    programme_id: int = 1
    role: str = "mentor"
    tenure_band: str = "2-5y"
    gender_group: str = "woman"
    period_kind: str = "week"


@dataclass(frozen=True)
class Given:
    question_key: str
    item: str
    value: int | None


@dataclass(frozen=True)
class Session:
    """One session: whose, when, what -- the test's truth (the mixer sees only the tag)."""

    person: int
    week: str
    level: str
    score: int | None
    topics: frozenset[str]

    def response(self) -> Stored:
        return Stored(self.week, self.level)

    def answers(self) -> list[Given]:
        given = [Given("q", "", self.score)] if self.score is not None else []
        return given + [Given("topics", topic, None) for topic in sorted(self.topics)]

    def tagged(self) -> Tagged:
        scope = month_of_week(self.week)
        return Tagged(self.response(), self.answers(), scope, f"{self.person}|{scope}")


sessions = st.builds(
    Session,
    person=st.integers(0, 6),
    week=st.sampled_from(["2026-W06", "2026-W08", "2026-W10"]),  # February, February, March
    level=st.sampled_from(["junior", "mid"]),
    score=st.none() | st.integers(1, 3),
    topics=st.frozensets(st.sampled_from(OPTIONS)),
)


class Cells:
    """The stored side, as surveys/aggregates/writing.py keeps it across passes."""

    def __init__(self) -> None:
        self.stored: dict[CellKey, Counted] = {}
        self.truth: dict[CellKey, list[Session]] = defaultdict(list)
        self.group_truth: dict[tuple[object, ...], list[Session]] = defaultdict(list)

    def mix(self, batch: list[Session]) -> None:
        adds: dict[CellKey, Stats] = {}
        for one in batch:
            for key, stats in contributions(one.response(), one.answers()).items():
                adds.setdefault(key, Stats()).add(stats)
                self.truth[key].append(one)
                if key.question_key == RESPONSES:
                    self.group_truth[key.group()].append(one)
        new = headcounts(one.tagged() for one in batch)
        counted = merged(self.stored, {k: s.histogram for k, s in adds.items()}, new)
        for key, people in counted.items():
            old = self.stored.get(key, Counted(0, {}, {}))
            histogram = dict(old.histogram)
            for value, c in adds.get(key, Stats()).histogram.items():
                histogram[value] = histogram.get(value, 0) + c
            self.stored[key] = Counted(people.people, people.apart, histogram)

    def true_people(self, key: CellKey) -> int:
        return len({one.person for one in self.truth[key]})

    def true_apart(self, key: CellKey, value: str) -> int:
        """People with a counted session that gave another answer than ``value``."""
        if key.item:
            mine = self.group_truth[key.group()]
            return len({one.person for one in mine if key.item not in one.topics})
        return len({one.person for one in self.truth[key] if str(one.score) != value})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(sessions, min_size=1, max_size=12), min_size=1, max_size=5))
def test_every_stored_figure_is_at_most_the_people_really_behind_it(
    passes: list[list[Session]],
) -> None:
    cells = Cells()
    for batch in passes:
        cells.mix(batch)
    for key, counted in cells.stored.items():
        assert counted.people <= cells.true_people(key), key
        assert set(counted.apart) <= {v for v, c in counted.histogram.items() if c}
        for value, apart in counted.apart.items():
            assert apart <= cells.true_apart(key, value), (key, value)
            assert apart <= counted.people or key.item, (key, value)


@settings(max_examples=100, deadline=None)
@given(st.lists(sessions.filter(lambda s: s.week != "2026-W10"), min_size=1, max_size=15))
def test_one_pass_within_one_tag_scope_counts_people_exactly(batch: list[Session]) -> None:
    """Not a bound of 0 everywhere: within a pass and a month the tags tell people apart."""
    cells = Cells()
    cells.mix(batch)
    for key, counted in cells.stored.items():
        assert counted.people == cells.true_people(key), key
        for value, apart in counted.apart.items():
            assert apart == cells.true_apart(key, value), (key, value)


def test_four_sessions_of_one_mentee_are_one_person() -> None:
    weekly = [Session(1, week, "junior", 3, frozenset({"technology"})) for week in ("2026-W06",)]
    month = [*weekly * 4, Session(2, "2026-W06", "junior", 1, frozenset())]
    cells = Cells()
    cells.mix(month)
    option = next(k for k in cells.stored if k.item == "technology" and k.period_kind == "month")
    assert cells.stored[option].people == 1  # "technology: 4" rests on one person
    assert cells.stored[option].apart == {"1": 1}
    score = next(k for k in cells.stored if k.question_key == "q" and k.period_kind == "month")
    assert (cells.stored[score].people, cells.stored[score].apart) == (2, {"3": 1, "1": 1})


def test_a_later_pass_keeps_the_larger_bound_and_counts_answers_it_lacks_in_full() -> None:
    cells = Cells()
    five_fours = [Session(p, "2026-W06", "junior", 3, frozenset()) for p in range(5)]
    cells.mix(five_fours)
    score = next(k for k in cells.stored if k.question_key == "q" and k.period_kind == "month")
    assert cells.stored[score].apart == {"3": 0}  # all five gave 3: nobody apart from it
    cells.mix([Session(p, "2026-W08", "junior", 1, frozenset()) for p in range(5, 10)])
    # Five people who gave 1 (none of them a 3) are five people apart from 3, whoever
    # they are; the people are not added up (the passes may be the same five).
    assert cells.stored[score].people == 5
    assert cells.stored[score].apart == {"3": 5, "1": 5}
    assert merged({}, {}, {}) == {}
    assert Headcount().people == 0
