"""Row-level disclosure control: generalisation, local suppression, the report, an attack."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import disclosure as d
from surveys.export.quasi import HIERARCHIES, QUASI_IDENTIFIERS

K5 = d.Policy(5)


def row(**kw: str | None) -> tuple[str | None, ...]:
    base: dict[str, str | None] = {
        "survey": "climate",
        "firm": "acme",
        "programme": "1",
        "month": "2026-03",
        "role": "mentor",
        "level_band": "junior",
        "tenure_band": "<2y",
        "gender_group": "woman",
        "gender": None,
        "ethnicity": None,
    }
    base.update(kw)
    return tuple(base[name] for name in QUASI_IDENTIFIERS)


def released_rows(plan: d.RowPlan, counts: dict[tuple[str | None, ...], int]) -> list[d.Combo]:
    out: list[d.Combo] = []
    for combo, n in counts.items():
        shown = plan.apply(combo)
        if shown is not None:
            out.extend([shown] * n)
    return out


def smallest_group_linking_on_any_subset(rows: list[d.Combo]) -> int | None:
    """The attack: link on every combination of quasi-identifiers; the smallest match."""
    smallest: int | None = None
    width = len(QUASI_IDENTIFIERS)
    for size in range(1, width + 1):
        for columns in combinations(range(width), size):
            groups = Counter(tuple(r[i] for i in columns) for r in rows)
            low = min(groups.values())
            smallest = low if smallest is None else min(smallest, low)
    return smallest


def test_data_that_is_already_k_anonymous_is_released_as_it_is() -> None:
    counts = {row(): 5, row(role="mentee"): 7}
    plan = d.anonymise_rows(counts, HIERARCHIES, K5)
    assert plan.levels == (0,) * len(HIERARCHIES)
    assert plan.suppressed_values == 0 and plan.withheld_rows == 0
    assert plan.apply(row()) == row() and plan.k_achieved == 5


def test_a_few_rare_rows_lose_one_value_rather_than_the_whole_export_being_coarsened() -> None:
    counts = {
        row(): 300,
        row(role="mentee"): 300,
        row(role="mentee", gender_group="man"): 2,
        row(role="mentee", gender_group="another"): 3,
    }
    plan = d.anonymise_rows(counts, HIERARCHIES, K5)
    assert plan.levels == (0,) * len(HIERARCHIES)  # 5 rows in 605 is under the 1% share
    # Gender is blanked in the two small groups, which together hold k: nothing else changes.
    assert plan.suppressed_values == 5
    assert plan.suppressed_by_column["gender_group"] == 5
    assert plan.apply(row(role="mentee", gender_group="man")) == row(
        role="mentee", gender_group=None
    )
    assert plan.apply(row(role="mentee")) == row(role="mentee")
    assert plan.withheld_rows == 0 and plan.k_achieved == 5


def test_many_small_groups_are_generalised_to_coarser_bands_and_the_report_says_so() -> None:
    counts = {
        row(month=f"2026-{m:02d}", gender_group=g): 2
        for m in range(1, 13)
        for g in ("woman", "man")
    }
    plan = d.anonymise_rows(counts, HIERARCHIES, K5)
    report = plan.report()
    assert report["generalised"]["month"] in {"quarter", "year"}  # type: ignore[index]
    assert report["k_achieved"] is not None and report["k_achieved"] >= 5  # type: ignore[operator]
    assert report["rows_in_scope"] == 48
    assert report["rows_released"] == 48 - plan.withheld_rows


def test_a_group_below_k_with_every_value_blanked_is_withheld_and_counted() -> None:
    counts = {row(): 2}
    plan = d.anonymise_rows(counts, HIERARCHIES, K5)
    assert plan.apply(row()) is None
    assert plan.withheld_rows == 2 and plan.k_achieved is None
    assert plan.report()["rows_released"] == 0


def test_the_survey_column_is_never_blanked() -> None:
    counts = {row(): 10, row(survey="mentor_pulse", level_band="mid"): 1}
    plan = d.anonymise_rows(counts, HIERARCHIES, K5)
    for combo in plan.group_sizes:
        assert combo[0] is not None


VALUES = {
    "survey": ["climate", "mentor_pulse"],
    "firm": ["acme", "bolt"],
    "programme": ["1", "2", "3"],
    "month": ["2025-11", "2025-12", "2026-01", "2026-02", "2026-05"],
    "role": ["mentor", "mentee", "comparison"],
    "level_band": ["junior", "mid", "senior"],
    "tenure_band": ["<2y", "2-5y", "5-10y", "10y+"],
    "gender_group": ["woman", "man", "another", "undisclosed"],
    "gender": [None, "woman", "man", "in_another_way"],
    "ethnicity": [None, "white", "asian", "black", "prefer_not_to_say"],
}

combos = st.tuples(*(st.sampled_from(VALUES[name]) for name in QUASI_IDENTIFIERS))


@settings(max_examples=60, deadline=None)
@given(
    data=st.dictionaries(combos, st.integers(1, 12), min_size=1, max_size=40),
    k=st.integers(2, 8),
)
def test_reidentification_attack_finds_no_combination_of_quasi_identifiers_under_k(
    data: dict[tuple[str | None, ...], int], k: int
) -> None:
    plan = d.anonymise_rows(data, HIERARCHIES, d.Policy(k))
    rows = released_rows(plan, data)
    assert len(rows) + plan.withheld_rows == sum(data.values())
    if rows:
        smallest = smallest_group_linking_on_any_subset(rows)
        assert smallest is not None and smallest >= k
        assert plan.k_achieved is not None and plan.k_achieved >= k
