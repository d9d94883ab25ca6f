"""Disclosure control: thresholds, complementary suppression, differencing, snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys import disclosure as d

K5 = d.Policy(5)


def test_every_kind_of_number_below_k_is_suppressed_and_carries_no_value() -> None:
    for result in (d.count(4, K5), d.mean(17, 4, K5), d.rate(4, 20, K5), d.rate(4, 4, K5)):
        assert isinstance(result, d.Suppressed)
        assert not hasattr(result, "value") and not hasattr(result, "n")
        assert result.reason == "suppressed (fewer than 5)"


def test_zero_is_suppressed_not_shown_as_zero() -> None:
    assert d.count(0, K5) == d.Suppressed("suppressed (fewer than 5)")


def test_numbers_describing_at_least_k_people_are_shown() -> None:
    assert d.count(5, K5) == d.Shown(5, 5)
    assert d.mean(20, 5, K5) == d.Shown(4.0, 5)
    assert d.rate(5, 10, K5) == d.Shown(50.0, 10)


def test_a_response_rate_needs_k_invited_and_k_responding() -> None:
    assert isinstance(d.rate(4, 40, K5), d.Suppressed)
    assert isinstance(d.rate(4, 4, d.Policy(3)), d.Shown)
    with pytest.raises(ValueError):
        d.rate(5, 4, K5)


def test_the_firm_setting_overrides_the_default_k() -> None:
    assert d.Policy.for_firm(8, 5).k == 8
    assert d.Policy.for_firm(None, 5).k == 5
    assert isinstance(d.count(7, d.Policy.for_firm(8, 5)), d.Suppressed)


def test_comments_need_ten_respondents_even_when_k_is_lower() -> None:
    assert isinstance(d.comments(9, d.Policy(3)), d.Suppressed)
    assert d.comments(10, d.Policy(3)) == d.Shown(10, 10)
    assert "10" in d.comments(9, d.Policy(3)).reason  # type: ignore[union-attr]


def hidden_of(result: d.Breakdown[str]) -> set[str]:
    return {key for key, cell in result.cells.items() if isinstance(cell, d.Suppressed)}


def test_one_small_cell_takes_the_next_smallest_with_it() -> None:
    result = d.breakdown({"mentor": 40, "mentee": 12, "comparison": 3}, K5)
    assert hidden_of(result) == {"comparison", "mentee"}
    assert result.cells["mentor"] == d.Shown(40, 40)
    assert result.total == d.Shown(55, 55)
    # Both carry the same reason: which one is the small one is not given away.
    assert result.cells["mentee"] == result.cells["comparison"]
    assert "fewer than 5" in result.cells["mentee"].reason  # type: ignore[union-attr]


def test_hiding_continues_until_the_hidden_cells_hold_k_together() -> None:
    # 1 + 2 = 3 < 5: knowing both are hidden and sum to 3 would describe 3 people.
    result = d.breakdown({"a": 1, "b": 2, "c": 6, "d": 30}, K5)
    assert hidden_of(result) == {"a", "b", "c"}


def test_a_breakdown_without_small_cells_hides_nothing() -> None:
    result = d.breakdown({"a": 5, "b": 9}, K5)
    assert hidden_of(result) == set()


def test_a_total_below_k_hides_the_whole_table() -> None:
    result = d.breakdown({"a": 2, "b": 2}, K5)
    assert hidden_of(result) == {"a", "b"} and isinstance(result.total, d.Suppressed)


def test_attack_subtracting_shown_cells_from_the_total_never_gives_a_hidden_cell() -> None:
    result = d.breakdown({"mentor": 21, "mentee": 19, "comparison": 1}, K5)
    assert isinstance(result.total, d.Shown)
    shown = sum(c.value for c in result.cells.values() if isinstance(c, d.Shown))
    remainder = result.total.value - shown
    assert len(hidden_of(result)) >= 2 and remainder >= K5.k


@given(
    counts=st.dictionaries(
        st.sampled_from("abcdefgh"), st.integers(min_value=0, max_value=40), min_size=1
    ),
    k=st.integers(min_value=3, max_value=10),
)
def test_property_no_suppressed_cell_is_recoverable_from_shown_cells_and_total(
    counts: dict[str, int], k: int
) -> None:
    policy = d.Policy(k)
    result = d.breakdown(counts, policy)
    hidden = hidden_of(result)
    assert all(counts[key] >= k for key in counts if key not in hidden)
    assert all(result.cells[key] == d.Shown(n, n) for key, n in counts.items() if key not in hidden)
    if isinstance(result.total, d.Suppressed):
        assert hidden == set(counts)  # nothing to subtract from
        return
    if not hidden:
        return
    # The attacker knows the total and every shown cell, so the hidden cells' sum S.
    s = int(result.total.value) - sum(counts[key] for key in counts if key not in hidden)
    # With two or more non-negative hidden cells summing to S >= k, each hidden cell can
    # be anything in [0, S] (the others take the rest): none is determined, and the
    # hidden remainder itself describes at least k people.
    assert len(hidden) >= 2
    assert s == sum(counts[key] for key in hidden) and s >= k


def test_differencing_refuses_a_group_with_one_filter_value_removed() -> None:
    ledger: d.Ledger[tuple[str, str]] = d.Ledger(K5)
    everyone = {("mentor", "junior"): 30, ("mentor", "senior"): 2}
    all_mentors = ledger.show(everyone, d.count(32, K5), "all mentors")
    assert all_mentors == d.Shown(32, 32)
    juniors = ledger.show({("mentor", "junior")}, d.count(30, K5), "junior mentors")
    assert isinstance(juniors, d.Suppressed)
    assert "all mentors" in juniors.reason and "fewer than 5" in juniors.reason


def test_attack_combining_two_filters_cannot_isolate_one_answer() -> None:
    # A lead filters mentors, then mentors who are women: if only one mentor is not a
    # woman, the two averages would give that person's answer away.
    ledger: d.Ledger[str] = d.Ledger(K5)
    mentors = {"woman-1", "woman-2", "woman-3", "woman-4", "woman-5", "woman-6", "man-1"}
    first = ledger.show(mentors, d.mean(28, 7, K5), "mentors")
    second = ledger.show(mentors - {"man-1"}, d.mean(22, 6, K5), "mentors who are women")
    assert isinstance(first, d.Shown) and isinstance(second, d.Suppressed)


def test_differencing_allows_slices_that_differ_by_k_or_more_or_not_at_all() -> None:
    ledger: d.Ledger[int] = d.Ledger(K5)
    assert isinstance(ledger.show(range(20), d.count(20, K5), "all"), d.Shown)
    assert isinstance(ledger.show(range(15), d.count(15, K5), "most"), d.Shown)
    assert isinstance(ledger.show(range(20), d.count(20, K5), "all again"), d.Shown)
    # Disjoint slices are not nested: no difference to take.
    assert isinstance(ledger.show(range(100, 106), d.count(6, K5), "other"), d.Shown)


def test_differencing_refuses_a_month_beside_the_sum_of_its_released_weeks() -> None:
    ledger: d.Ledger[str] = d.Ledger(K5)
    weeks = {"W05": 10, "W06": 10, "W07": 10, "W08": 10}
    for week, n in weeks.items():
        assert isinstance(ledger.show({week}, d.count(n, K5), week), d.Shown)
    four_weeks = ledger.show(set(weeks), d.count(40, K5), "weeks 5-8")
    assert isinstance(four_weeks, d.Shown)
    # The month holds the same weeks plus 2 responses from days in no shown week.
    month = ledger.show({*weeks, "2026-02-rest"}, d.count(42, K5), "February")
    assert isinstance(month, d.Suppressed) and "weeks 5-8" in month.reason


@dataclass
class Cell:
    """An aggregate cell whose live counters explode when read."""

    released_n: int
    released_total: int
    released_total_sq: int
    released_histogram: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        raise AssertionError("the live count was read")

    @property
    def histogram(self) -> dict[str, int]:
        raise AssertionError("the live histogram was read")


def test_readers_see_the_released_snapshot_and_never_the_live_counters() -> None:
    cell = Cell(5, 20, 80, {"4": 5, "2": 0})
    assert d.released(cell) == d.Snapshot(5, 20, 80, {"4": 5})
    assert d.released_cell(cell, K5) == d.Shown(5, 5)


def test_attack_a_lead_who_knows_a_meeting_date_cannot_watch_one_answer_arrive() -> None:
    # Monday: five responses were released. Tuesday the lead's known mentor answers:
    # the live counters move, the snapshot (all a reader sees) does not.
    before = Cell(5, 20, 80, {"4": 5})
    after = Cell(5, 20, 80, {"4": 5})  # live n would be 6, total 21 -- never read
    assert d.released(before) == d.released(after)
    assert d.released_cell(before, K5) == d.released_cell(after, K5)


def test_a_policy_needs_a_positive_k() -> None:
    with pytest.raises(ValueError):
        d.Policy(0)


@dataclass
class PeriodCell:
    period_kind: str
    period: str
    released_n: int
    question: str = "q"
    released_total: int = 0
    released_total_sq: int = 0
    released_histogram: dict[str, int] = field(default_factory=dict)


def decide(cells: list[PeriodCell], k: int = 5) -> list[bool]:
    decided = d.released_series(cells, lambda c: c.question, d.Policy(k))
    assert [cell for cell, _ in decided] == cells
    return [isinstance(result, d.Shown) for _, result in decided]


def test_period_days_of_weeks_and_months() -> None:
    assert len(d.period_days("week", "2026-W07")) == 7
    assert len(d.period_days("month", "2026-02")) == 28
    # A month counts the weeks whose Thursday it holds (the mixer's rule): December 2024
    # is the weeks of 5, 12, 19 and 26 December, 2 to 29 December.
    assert len(d.period_days("month", "2024-12")) == 28
    assert d.period_days("week", "2026-W07") <= d.period_days("month", "2026-02")
    assert d.period_days("round", "12") == frozenset({"round:12"})


def test_attack_a_month_minus_the_sum_of_its_released_weeks_is_refused() -> None:
    # February 2026 holds ISO weeks 6-9 entirely (2 Feb - 1 Mar straddles; 6-8 inside).
    weeks = [PeriodCell("week", f"2026-W0{w}", 10) for w in (6, 7, 8)]
    month = PeriodCell("month", "2026-02", 32)
    assert decide([month, *weeks]) == [False, True, True, True]


def test_a_month_that_differs_from_its_weeks_by_k_or_more_is_shown() -> None:
    weeks = [PeriodCell("week", f"2026-W0{w}", 10) for w in (6, 7, 8)]
    assert decide([*weeks, PeriodCell("month", "2026-02", 36)]) == [True, True, True, True]
    assert decide([*weeks, PeriodCell("month", "2026-02", 30)]) == [True, True, True, True]


def test_a_month_is_refused_beside_a_single_week_it_barely_exceeds() -> None:
    cells = [PeriodCell("week", "2026-W07", 10), PeriodCell("month", "2026-02", 12)]
    assert decide(cells) == [True, False]


def test_series_are_independent_and_small_cells_are_suppressed() -> None:
    cells = [
        PeriodCell("week", "2026-W07", 10, "a"),
        PeriodCell("month", "2026-02", 12, "b"),
        PeriodCell("week", "2026-W08", 3, "b"),
        PeriodCell("round", "4", 6, "a"),
    ]
    assert decide(cells) == [True, True, False, True]


def test_attack_a_month_released_before_the_last_answers_of_its_weeks_is_refused() -> None:
    # W06: five 4s. W07: three 1s (never released). W08: two 4s, then three more.
    # February was released at ten (W06 + W07 + W08's first two); W08 later at five.
    # Counts agree (10 = 5 + 5) but February minus the weeks would show W07's three 1s.
    cells = [
        PeriodCell("week", "2026-W06", 5, released_histogram={"4": 5}),
        PeriodCell("week", "2026-W08", 5, released_histogram={"4": 5}),
        PeriodCell("month", "2026-02", 10, released_histogram={"4": 7, "1": 3}),
    ]
    decided = d.released_series(cells, lambda c: c.question, K5)
    month = decided[2][1]
    assert isinstance(month, d.Suppressed) and "different time" in month.reason


def test_a_month_that_holds_its_weeks_answers_and_k_more_is_shown() -> None:
    cells = [
        PeriodCell("week", "2026-W06", 5, released_histogram={"4": 5}),
        PeriodCell("month", "2026-02", 10, released_histogram={"4": 7, "1": 3}),
    ]
    assert decide(cells) == [True, True]
