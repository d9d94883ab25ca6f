"""Researcher's priorities: a protected quasi-identifier is kept while coarsening another does."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import disclosure as d
from surveys.export.priorities import BadPriorities, cost_by_column, parse_priorities
from surveys.export.quasi import HIERARCHIES, QUASI_IDENTIFIERS

K5 = d.Policy(5)
ROLE = QUASI_IDENTIFIERS.index("role")
GENDER = QUASI_IDENTIFIERS.index("gender_group")
GENDERS = ("woman", "man", "another", "undisclosed")


def row(role: str, gender: str) -> d.Combo:
    values = {"survey": "climate", "firm": "acme", "programme": "1", "month": "2026-03"}
    values |= {"role": role, "level_band": "junior", "tenure_band": "<2y"}
    values |= {"gender_group": gender, "gender": None, "ethnicity": None}
    return tuple(values[name] for name in QUASI_IDENTIFIERS)


#: Both coarsening role (mentor+mentee) and coarsening gender (another+undisclosed) fix the
#: small groups; with as many distinct values in each, the default takes role (first listed).
TIE = {
    row("mentor", "woman"): 6,
    row("mentor", "another"): 2,
    row("mentor", "undisclosed"): 3,
    row("mentee", "woman"): 6,
    row("mentee", "another"): 3,
    row("mentee", "undisclosed"): 2,
    row("comparison", "woman"): 20,
}


def test_by_default_role_is_coarsened_but_protected_it_is_kept_and_gender_coarsened() -> None:
    default = d.anonymise_rows(TIE, HIERARCHIES, K5)
    assert default.levels[ROLE] == 1 and default.levels[GENDER] == 0
    kept = d.anonymise_rows(TIE, HIERARCHIES, K5, protect=("role",))
    assert kept.levels[ROLE] == 0 and kept.levels[GENDER] == 1
    assert kept.suppressed_by_column["role"] == 0 and kept.withheld_rows == 0
    assert {kept.apply(c)[ROLE] for c in TIE} == {"mentor", "mentee", "comparison"}  # type: ignore[index]


def _coarser_gender_suffices(counts: dict[d.Combo, int]) -> bool:
    step = HIERARCHIES[GENDER]
    groups: Counter[d.Combo] = Counter()
    for combo, n in counts.items():
        groups[tuple(step.at(v, 1) if i == GENDER else v for i, v in enumerate(combo))] += n
    return all(n >= K5.k for n in groups.values() if n)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(("mentor", "mentee", "comparison")), st.sampled_from(GENDERS)),
        st.integers(0, 40),
        min_size=1,
    )
)
def test_keeping_role_never_blanks_role_when_a_coarser_gender_suffices(
    cells: dict[tuple[str, str], int],
) -> None:
    counts = {row(role, gender): n for (role, gender), n in cells.items() if n}
    if not counts or not _coarser_gender_suffices(counts):
        return
    plan = d.anonymise_rows(counts, HIERARCHIES, K5, protect=("role",))
    assert plan.levels[ROLE] == 0
    assert plan.suppressed_by_column["role"] == 0 and plan.withheld_rows == 0
    released: Counter[d.Combo] = Counter()
    for combo, n in counts.items():
        shown = plan.apply(combo)
        assert shown is not None and shown[ROLE] == combo[ROLE]
        released[shown] += n
    assert min(released.values()) >= K5.k  # the priorities never cost k


def test_without_priorities_the_plan_is_the_default_one() -> None:
    a = d.anonymise_rows(TIE, HIERARCHIES, K5)
    b = d.anonymise_rows(TIE, HIERARCHIES, K5, protect=())
    assert a.to_json() == b.to_json()


def test_the_cost_counts_released_rows_coarsened_and_blanked_per_column() -> None:
    plan = d.anonymise_rows(TIE, HIERARCHIES, K5, protect=("role",))
    released = {c: plan.apply(c) for c in TIE}
    cost = cost_by_column((c, released[c], n) for c, n in TIE.items())
    assert cost["role"] == {"coarsened": 0, "blanked": 0}
    assert cost["gender_group"] == {"coarsened": 10, "blanked": 0}  # another/undisclosed rows


def test_priorities_are_checked() -> None:
    assert parse_priorities(["role", " gender_group ", ""]) == ("role", "gender_group")
    with pytest.raises(BadPriorities, match="no quasi-identifier 'shoe_size'"):
        parse_priorities(["shoe_size"])
    with pytest.raises(BadPriorities, match="listed twice"):
        parse_priorities(["role", "role"])
    with pytest.raises(BadPriorities, match="no quasi-identifier 'survey'"):
        parse_priorities(["survey"])  # it partitions the tables and is never blanked


def lone(role: str, gender: str, level: str) -> d.Combo:
    values = dict(zip(QUASI_IDENTIFIERS, row(role, gender), strict=True))
    return tuple((values | {"level_band": level})[name] for name in QUASI_IDENTIFIERS)


#: One mentee alone in every combination (level and gender unlike anyone's): blanking
#: every value of it, role included, still leaves a group of one.
LONE = {
    row("mentee", "woman"): 12,
    row("comparison", "woman"): 20,
    lone("mentee", "man", "senior"): 1,
}


def test_a_lone_row_keeps_its_protected_role_with_donors_instead_of_being_withheld() -> None:
    """Without priorities the lone mentee is withheld (a side of every comparison would be
    one short); with role protected it is released with its other values blanked, beside
    k-1 mentees of the large group blanked the same way, and every group still holds k."""
    default = d.anonymise_rows(LONE, HIERARCHIES, K5)
    assert default.withheld_rows == 1
    plan = d.anonymise_rows(LONE, HIERARCHIES, K5, protect=("role", "month"))
    assert plan.withheld_rows == 0 and plan.k_achieved is not None and plan.k_achieved >= 5
    shown = plan.apply(lone("mentee", "man", "senior"))
    assert shown is not None and shown[ROLE] == "mentee" and shown[GENDER] is None
    # Every released group holds k rows (here rows are people).
    released: Counter[d.Combo | None] = Counter()
    for combo, n in LONE.items():
        released[plan.apply(combo)] += n
    assert min(released.values()) >= 5 and sum(released.values()) == 33
    # A column with one value throughout is never blanked: it would merge nothing.
    firm = QUASI_IDENTIFIERS.index("firm")
    assert all(plan.apply(c)[firm] == "acme" for c in LONE)  # type: ignore[index]


def test_fixed_levels_plan_only_local_suppression() -> None:
    """A later generation of a release lineage keeps the first one's levels."""
    first = d.anonymise_rows(TIE, HIERARCHIES, K5)
    assert any(first.levels)  # the first plan coarsened something
    later = d.anonymise_rows(TIE, HIERARCHIES, K5, levels=[0] * len(HIERARCHIES))
    assert later.levels == (0,) * len(HIERARCHIES)
    assert later.k_achieved is not None and later.k_achieved >= 5
