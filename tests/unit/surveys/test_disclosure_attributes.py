"""No group attribute disclosure, and the differencing rule's months (PRODUCT.md 2.3).

Pure functions over (counts, k): a homogeneous distribution, or one that
proves nobody chose an option, is refused exactly like a small group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from surveys import disclosure as d
from surveys.domain.periods import month_of_week, weeks_of_month

K5 = d.Policy(5)
ETHNICITY = ("asian", "black", "mixed", "white", "other")


def test_everyone_giving_one_answer_is_refused_with_the_small_group_wording() -> None:
    refused = d.distribution({"4": 5}, K5)
    assert refused == K5.too_few() == d.count(4, K5)  # the same reason as a group of 4
    assert d.distribution({"4": 40}, K5) == K5.too_few()


def test_all_but_fewer_than_k_giving_one_answer_is_refused_too() -> None:
    assert d.distribution({"4": 9, "1": 1}, K5) == K5.too_few()
    assert d.distribution({"4": 6, "5": 2}, K5) == K5.too_few()
    assert d.distribution({"4": 5, "1": 5}, K5) == d.Shown(10, 10)


def test_people_who_gave_no_answer_count_as_an_answer_of_their_own() -> None:
    assert d.distribution({"white": 5}, K5, n=10) == d.Shown(10, 10)
    assert d.distribution({"white": 8}, K5, n=10) == K5.too_few()


def test_attack_all_five_of_a_cohort_chose_one_ethnicity() -> None:
    counts = {option: 0 for option in ETHNICITY} | {"white": 5}
    shown = d.options(counts, 5, K5, exclusive=True)
    assert shown.total == K5.too_few()  # n too: exactly like a group of four
    assert set(shown.cells.values()) == {K5.too_few()}


def test_attack_an_option_at_zero_is_never_proved_zero() -> None:
    # Ten people: five white, five Asian, nobody else. Showing both would prove that a
    # known Black member of the cohort did not answer (or is not in it).
    counts = {option: 0 for option in ETHNICITY} | {"white": 5, "asian": 5}
    shown = d.options(counts, 10, K5, exclusive=True)
    visible = {key: r.value for key, r in shown.cells.items() if isinstance(r, d.Shown)}
    assert visible == {"white": 5}
    hidden = [r for r in shown.cells.values() if not r.shown]
    assert set(hidden) == {K5.too_few()}  # a zero reads like a hidden 5
    assert 10 - sum(visible.values()) >= 5  # the hidden options hold k between them


def test_a_multiple_choice_option_chosen_by_all_but_a_few_is_hidden() -> None:
    shown = d.options({"technology": 10, "wellbeing": 5, "careers": 0}, 10, K5, exclusive=False)
    assert shown.total == d.Shown(10, 10)
    assert shown.cells == {
        "technology": K5.too_few(),  # everyone chose it
        "wellbeing": d.Shown(5, 5),
        "careers": K5.too_few(),  # nobody chose it: reads like "fewer than 5"
    }


@given(
    st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=6),
    st.integers(min_value=0, max_value=6),
    st.integers(min_value=2, max_value=6),
)
def test_property_shown_options_never_pin_down_or_zero_a_hidden_one(
    raw: list[int], unanswered: int, k: int
) -> None:
    policy = d.Policy(k)
    counts = {f"o{i}": c for i, c in enumerate(raw)}
    n = sum(raw) + unanswered
    shown = d.options(counts, n, policy, exclusive=True)
    visible = {key: r.n for key, r in shown.cells.items() if isinstance(r, d.Shown)}
    if not shown.total.shown:
        assert not visible
        return
    # Nobody visible is everyone or all but a few; the hidden rest holds k or nothing hides.
    assert all(k <= c <= n - k for c in visible.values())
    assert len(visible) == len(counts) or n - sum(visible.values()) >= k
    assert n - max([*raw, unanswered]) >= k


def test_the_differencing_months_are_the_mixers_months() -> None:
    # 2026-W09 runs 23 February to 1 March; its Thursday is 26 February.
    assert month_of_week("2026-W09") == d.bucket("week", "2026-W09") == "2026-02"
    assert d.period_days("week", "2026-W09") <= d.period_days("month", "2026-02")
    assert not d.period_days("week", "2026-W09") & d.period_days("month", "2026-03")
    for month in ("2026-02", "2026-03", "2024-12"):
        weeks = [d.period_days("week", w) for w in weeks_of_month(month)]
        assert d.period_days("month", month) == frozenset().union(*weeks)


@dataclass
class Cell:
    period_kind: str
    period: str
    released_n: int
    released_total: int = 0
    released_total_sq: int = 0
    released_histogram: dict[str, int] = field(default_factory=dict)


def test_a_month_is_refused_beside_a_straddling_week_the_mixer_counts_in_it() -> None:
    # W09 (23 Feb - 1 Mar) counts in February only; February minus W09 would be 2 answers.
    cells = [Cell("week", "2026-W09", 10), Cell("month", "2026-02", 12)]
    decided = d.released_series(cells, lambda c: "q", K5)
    assert [r.shown for _, r in decided] == [True, False]
    # ...and March, which does not hold W09, is not compared with it.
    cells = [Cell("week", "2026-W09", 10), Cell("month", "2026-03", 12)]
    assert [r.shown for _, r in d.released_series(cells, lambda c: "q", K5)] == [True, True]
