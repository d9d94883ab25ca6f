"""A lead's attacks on what is judged as shown (issue 22): sums, listings, pools, passes.

Leads see one cohort attribute at a time per month, and the pulse page's month
total; each is judged on the sum itself (:mod:`surveys.reports.shown_sums`),
not on the fine cells inside it. The attacker combines what is shown:

* every one-attribute listing and the page total, added and subtracted in any
  way (coefficients -1, 0, 1): no combination equals a group of fine cells that
  rests on fewer than k people, or whose members all (but fewer than k) gave
  one answer;
* a month against its weeks: no week is listed to a lead at all;
* a coordinator's pool against one member's own figure: the difference is a
  group that passes every rule, or the pool is hidden;
* successive mixer passes: a shown month moves only by k people or more.

The test knows every fine cell's people (one session per person here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import product
from typing import Any

from surveys import disclosure
from surveys.db.session import Database
from surveys.reports.judged import by_attribute, passes
from surveys.reports.pooled import pool
from surveys.reports.released_cells import ReleasedCellView, attribute_safe, candidate_cells
from surveys.reports.shown_sums import summed
from tests.privacy import summary

K = 5
POLICY = disclosure.Policy(K)
_ids = iter(range(1, 10_000))


def cell(
    histogram: Mapping[str, int],
    *,
    level: str = "junior",
    gender: str = "woman",
    firm: int = 1,
    kind: str = "month",
    period: str = "2026-03",
    question: str = "spoke_openly",
) -> ReleasedCellView:
    """A released fine cell of one session per person: its people are its answers."""
    n = sum(histogram.values())
    values = [int(v) for v, c in histogram.items() if c]
    return ReleasedCellView(
        id=next(_ids),
        survey_key="mentor_pulse",
        survey_version=1,
        question_key=question,
        item="",
        firm_id=firm,
        programme_id=1,
        role="mentor",
        level_band=level,
        tenure_band="2-5y",
        gender_group=gender,
        period_kind=kind,
        period=period,
        released_n=n,
        released_total=sum(int(v) * c for v, c in histogram.items()),
        released_total_sq=sum(int(v) ** 2 * c for v, c in histogram.items()),
        released_histogram=dict(histogram),
        released_people=n,
        released_people_apart={str(v): n - histogram[str(v)] for v in values},
    )


#: Six fine cells of one month: the junior women all answered 4, and so did all juniors but
#: two (a group attribute at either level).
FINE = [
    cell({"4": 6}, level="junior", gender="woman"),
    cell({"4": 3, "2": 2}, level="junior", gender="man"),
    cell({"3": 3, "5": 3}, level="mid", gender="woman"),
    cell({"1": 3, "4": 3}, level="mid", gender="man"),
    cell({"2": 3, "4": 3}, level="senior", gender="woman"),
    cell({"5": 3, "1": 3}, level="senior", gender="man"),
]


def _members(shown: ReleasedCellView, fine: Sequence[ReleasedCellView]) -> tuple[int, ...]:
    """Which fine cells a shown sum adds up (1 if in it), by its cohort values."""

    def inside(part: ReleasedCellView) -> bool:
        return all(
            getattr(shown, name) in ("*", getattr(part, name))
            for name in ("role", "level_band", "tenure_band", "gender_group")
        )

    return tuple(int(inside(part)) for part in fine)


def _leaks(shown: Sequence[ReleasedCellView], fine: Sequence[ReleasedCellView]) -> list[Any]:
    """Groups of fine cells an attacker isolates from the shown sums, failing the rules."""
    vectors = sorted({_members(s, fine) for s in shown} | {tuple(1 for _ in fine)})  # + total
    found = []
    for coefficients in product((-1, 0, 1), repeat=len(vectors)):
        combined = [
            sum(c * v[i] for c, v in zip(coefficients, vectors, strict=True))
            for i in range(len(fine))
        ]
        if any(x not in (0, 1) for x in combined) or not any(combined):
            continue
        group = [part for part, x in zip(fine, combined, strict=True) if x]
        histogram: dict[str, int] = {}
        for part in group:
            for value, c in part.released_histogram.items():
                histogram[value] = histogram.get(value, 0) + c
        n = sum(histogram.values())
        true = cell(histogram)  # one session per person: the group's exact people
        if not passes(true, None, POLICY):
            found.append((tuple(combined), n, histogram))
    return found


def test_one_attribute_listings_combined_across_attributes_isolate_no_group() -> None:
    shown = [
        c for by in ("level_band", "gender_group", "role") for c in by_attribute(FINE, by, POLICY)
    ]
    assert _leaks(shown, FINE) == []
    # What it shows: the month (role), and the listings that hide nothing derivable.
    assert any(c.role == "mentor" and c.released_n == 35 for c in shown)
    # Without complementary suppression the same listings would give the women away:
    # the level listing hides juniors (all but two 4s); the total minus the rest is them.
    naive = [
        c
        for by in ("level_band", "gender_group", "role")
        for c in attribute_safe(summed(FINE, by), POLICY)
    ]
    assert _leaks(naive, FINE) != []
    summary.record("lead: one-attribute listings combined across attributes", 0, len(FINE))


def test_a_month_is_judged_on_its_sum_although_one_cohort_in_it_all_answered_4() -> None:
    (month,) = by_attribute(FINE, "role", POLICY)
    assert (month.released_n, month.released_histogram["4"]) == (35, 15)
    assert attribute_safe(FINE[:1], POLICY) == []  # the cohort alone: hidden


def test_a_lead_is_listed_no_week_that_a_month_could_be_differenced_against() -> None:
    weeks = [
        cell({"4": 3, "2": 3}, kind="week", period="2026-W10"),
        cell({"4": 3, "2": 3}, kind="week", period="2026-W11"),
    ]
    month = cell({"4": 7, "2": 6})  # the two weeks and one more person's answer
    for by in ("role", "level_band", "gender_group", "tenure_band"):
        listed = by_attribute([*weeks, month], by, POLICY)
        assert [(c.period_kind, c.released_n) for c in listed] == [("month", 13)]
    summary.record("lead: month minus weeks", 0, 1)


def _member(firm: int, histogram: Mapping[str, int]) -> ReleasedCellView:
    return cell(histogram, firm=firm)


def test_a_pool_minus_one_member_never_leaves_a_group_below_the_rules() -> None:
    diverse = _member(1, {"2": 4, "4": 4})
    all_fours = _member(2, {"4": 5})  # its own lead is never shown it: all 5 answered 4
    pooled = pool(summed([diverse, all_fours], "role"), 1, disclosure.Policy(7), "role")
    assert pooled == []  # the pool minus member 1 would be member 2's five 4s
    # Three members of 3 people each, none of whom could be shown alone at k = 3 (all but
    # two gave other answers than the most common): the pool rests on their 9 people
    # (added: a person works for one firm) and so does the pool minus any one member.
    small = [_member(firm, {"2": 1, "4": 1, "5": 1}) for firm in (1, 2, 3)]
    assert all(not passes(c, None, disclosure.Policy(3)) for c in small)
    shown = pool(summed(small, "role"), 1, disclosure.Policy(3), "role")
    assert [(c.released_n, c.released_people) for c in shown] == [(9, 9)]
    summary.record("coordinator: pool minus a member", 0, 2)


def test_successive_passes_move_a_shown_month_only_by_k_people(sqlite_db: Database) -> None:
    from tests.integration.test_disclosure_attributes import sealed
    from tests.support.sealing import mix

    world = _world(sqlite_db)
    seen: list[dict[tuple[Any, ...], int]] = []
    steps = [(5, 4, 3), (5, 2, 4), (2, 1, 5), (3, 5, 9), (4, 3, 12)]
    for n, value, day in steps:
        sealed(sqlite_db, world, n, {"spoke_openly": value}, day=date(2026, 3, day))
        mix(sqlite_db, today=date(2026, 3, day + 1))
        with sqlite_db.sessions() as session:
            found = candidate_cells(session, world["programme"], POLICY)
            listed = by_attribute(found, "role", POLICY)
        seen.append({(c.question_key, c.period): c.released_n for c in listed})
    moves = [
        after[key] - before.get(key, 0)
        for before, after in zip(seen, seen[1:], strict=False)
        for key in after
        if key in before
    ]
    assert moves and all(m == 0 or m >= K for m in moves), moves
    summary.record("lead: successive passes", 0, len(moves))


def _world(db: Database) -> dict[str, Any]:
    from surveys.db.models import Firm, Programme

    with db.transaction() as session:
        firm = Firm(name="Passes", slug="passes")
        session.add(firm)
        session.flush()
        programme = Programme(firm_id=firm.id, name="P", starts_on=date(2026, 1, 1))
        session.add(programme)
        session.flush()
        return {"firm_id": firm.id, "programme": programme.id}
