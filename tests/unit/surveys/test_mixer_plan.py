"""The mixer's plan (pure): batches of at least k distinct people, merged upward, never below."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.intake.mixer import ANY, Calendar, RoundState, Waiting, people, plan
from surveys.intake.sealing import tag_period

STREAM = (1, 1, "mentor_pulse", 1)
WEEK = "2026-W07"  # 9-15 Feb 2026
DURING = date(2026, 2, 11)
AFTER_WEEK = date(2026, 2, 17)
AFTER_MONTH = date(2026, 3, 10)


def item(person: str, cohort=("mentor", "junior", "2-5y", "woman"), period=WEEK) -> Waiting:
    return Waiting(uuid.uuid4(), STREAM, cohort, period, tag_period(period), person)


def k5(_: int) -> int:
    return 5


def test_a_cell_is_released_only_with_k_distinct_people() -> None:
    four_people_twice = [item(f"p{i % 4}") for i in range(8)]
    assert plan(four_people_twice, k5, Calendar(DURING)) == []
    five = [item(f"p{i}") for i in range(5)]
    (batch,) = plan(five, k5, Calendar(DURING))
    assert len(batch.ids) == 5 and batch.cohort == ("mentor", "junior", "2-5y", "woman")
    assert (batch.period_kind, batch.period) == ("week", WEEK)


def test_leftovers_merge_upward_only_once_their_period_ended() -> None:
    women = [item(f"w{i}") for i in range(3)]
    men = [item(f"m{i}", ("mentor", "junior", "2-5y", "man")) for i in range(2)]
    assert plan(women + men, k5, Calendar(DURING)) == []
    (batch,) = plan(women + men, k5, Calendar(AFTER_WEEK))
    assert batch.cohort == ("mentor", "junior", "2-5y", ANY) and len(batch.ids) == 5


def test_the_week_merges_into_its_month_and_roles_merge_last() -> None:
    mentors = [item(f"a{i}", ("mentor", "junior", "2-5y", "woman")) for i in range(3)]
    mentees = [item(f"b{i}", ("mentee", "senior", "<2y", "man"), "2026-W08") for i in range(2)]
    # weeks ended, month not yet: each role alone is below k, roles do not merge yet
    assert plan(mentors + mentees, k5, Calendar(date(2026, 2, 24))) == []
    (batch,) = plan(mentors + mentees, k5, Calendar(AFTER_MONTH))
    assert batch.cohort == (ANY, ANY, ANY, ANY)
    assert (batch.period_kind, batch.period) == ("month", "2026-02")


def test_what_cannot_reach_k_waits_and_joins_the_next_period() -> None:
    few = [item(f"p{i}") for i in range(3)]
    assert plan(few, k5, Calendar(AFTER_MONTH)) == []  # carried into March: still below k
    # Tags of two months cannot be compared: the carried three count for nothing new,
    # so the March cell needs k people of its own and then takes them along.
    march = [item(f"q{i}", period="2026-W10") for i in range(4)]
    assert plan(few + march, k5, Calendar(date(2026, 3, 4))) == []
    march.append(item("q4", period="2026-W10"))
    batches = plan(few + march, k5, Calendar(date(2026, 3, 4)))
    assert sum(len(b.ids) for b in batches) == 8
    assert {(b.period_kind, b.period) for b in batches} == {("week", "2026-W10")}


def test_people_across_tag_scopes_count_as_the_largest_scope_only() -> None:
    a = [Waiting(uuid.uuid4(), STREAM, ("mentor",) * 4, WEEK, "2026-01", f"p{i}") for i in range(3)]
    b = [Waiting(uuid.uuid4(), STREAM, ("mentor",) * 4, WEEK, "2026-02", f"q{i}") for i in range(4)]
    assert people(a + b) == 4


def test_a_round_merges_only_once_closed_and_carries_to_the_next_round() -> None:
    few = [item(f"p{i}", period="round:1") for i in range(3)]
    assert plan(few, k5, Calendar(DURING, {1: RoundState(closed=False)})) == []
    assert plan(few, k5, Calendar(DURING, {1: RoundState(closed=True)})) == []
    nxt = [item(f"q{i}", period="round:2") for i in range(5)]
    rounds = {1: RoundState(True, 2), 2: RoundState(False)}
    assert plan(few + nxt, k5, Calendar(DURING, rounds)) == []  # round 2 is still open
    rounds = {1: RoundState(True, 2), 2: RoundState(True)}
    batches = plan(few + nxt, k5, Calendar(DURING, rounds))
    assert sum(len(b.ids) for b in batches) == 8
    assert {(b.period_kind, b.period) for b in batches} == {("round", "2")}


def test_a_round_once_mixed_takes_no_late_submission_but_carries_it_on() -> None:
    late = [item(f"p{i}", period="round:1") for i in range(6)]
    mixed = {1: RoundState(True, 2, mixed=True), 2: RoundState(False)}
    assert plan(late, k5, Calendar(DURING, mixed)) == []
    mixed = {1: RoundState(True, 2, mixed=True), 2: RoundState(True)}
    assert {(b.period_kind, b.period) for b in plan(late, k5, Calendar(DURING, mixed))} == {
        ("round", "2")
    }


def test_a_role_with_k_people_in_a_round_is_never_merged_into_everyone() -> None:
    """Cause 6: seven mentees, five of one fine cell and two leftovers of others."""
    five = [item(f"a{i}", period="round:1", cohort=("mentee", "junior", "<2y", "woman"))
            for i in range(5)]  # fmt: skip
    two = [
        item("b0", period="round:1", cohort=("mentee", "senior", "<2y", "man")),
        item("b1", period="round:1", cohort=("mentee", "mid", "2-5y", "woman")),
    ]
    others = [item(f"c{i}", period="round:1", cohort=("mentor", "senior", "<2y", "man"))
              for i in range(5)]  # fmt: skip
    batches = plan(five + two + others, k5, Calendar(DURING, {1: RoundState(True)}))
    roles = {b.cohort: len(b.ids) for b in batches}
    assert roles == {("mentee", "*", "*", "*"): 7, ("mentor", "senior", "<2y", "man"): 5}


def test_a_role_short_of_k_in_the_round_still_merges_into_everyone() -> None:
    three = [item(f"a{i}", period="round:1", cohort=("mentee", "junior", "<2y", "woman"))
             for i in range(3)]  # fmt: skip
    others = [item(f"c{i}", period="round:1", cohort=("mentor", "senior", "<2y", "man"))
              for i in range(2)]  # fmt: skip
    batches = plan(three + others, k5, Calendar(DURING, {1: RoundState(True)}))
    assert {b.cohort: len(b.ids) for b in batches} == {("*", "*", "*", "*"): 5}


COHORTS = st.tuples(
    st.sampled_from(["mentor", "mentee"]),
    st.sampled_from(["junior", "senior"]),
    st.sampled_from(["<2y", "2-5y"]),
    st.sampled_from(["woman", "man"]),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 11), COHORTS, st.integers(0, 55), st.booleans()),
        max_size=80,
    ),
    st.lists(st.integers(0, 70), min_size=1, max_size=5),
    st.integers(3, 6),
)
def test_any_sequence_of_submissions_and_passes_stores_k_people_per_combination(
    submissions: list[tuple[int, tuple[str, str, str, str], int, bool]],
    passes: list[int],
    k: int,
) -> None:
    """Submissions arrive on days; passes run on days; every stored (cohort, period)
    combination, summed over all passes, holds at least k distinct people, and
    nothing is released twice or lost (released + waiting = submitted)."""
    start = date(2026, 1, 5)
    sealed: dict[uuid.UUID, tuple[Waiting, str, int]] = {}
    stored: dict[tuple[object, ...], set[str]] = defaultdict(set)
    released: set[uuid.UUID] = set()
    for when in sorted(passes):
        for person, cohort, day, _ in submissions:
            if day <= when:
                submitted = date.fromordinal(start.toordinal() + day)
                week = f"{submitted.isocalendar()[0]}-W{submitted.isocalendar()[1]:02d}"
                key = uuid.uuid5(uuid.NAMESPACE_OID, f"{person}{cohort}{day}")
                if key not in sealed and key not in released:
                    w = Waiting(key, STREAM, cohort, week, tag_period(week), f"p{person}")
                    sealed[key] = (w, f"p{person}", day)
        today = date.fromordinal(start.toordinal() + when)
        for batch in plan([w for w, _, _ in sealed.values()], lambda _: k, Calendar(today)):
            members = {sealed[i][1] for i in batch.ids}
            for i in batch.ids:
                assert i not in released
                released.add(i)
                del sealed[i]
            stored[(batch.cohort, batch.period_kind, batch.period)] |= members
    assert all(len(members) >= k for members in stored.values())
