"""k counts people: what storage guarantees about the people behind exported rows."""

from __future__ import annotations

from surveys.disclosure import Hierarchy, Policy, Tally, anonymise_rows, replan


def test_pseudonyms_count_once_rounds_are_never_added_and_batches_only_whole() -> None:
    solo = Tally(5, pseudonyms={"1": frozenset({"a"})})
    assert solo.people(5) == 1
    assert (solo + Tally(1, pseudonyms={"1": frozenset({"b"})})).people(5) == 2
    # Two rounds of 3 may be the same 3 people.
    rounds = Tally(3, distinct={"round:1": 3}) + Tally(3, distinct={"round:2": 3})
    assert rounds.people(5) == 3
    # A stored mixer combination of 7 rows holds k people, but only as a whole.
    piece, rest = Tally(2, batches={"c": (2, 7)}), Tally(5, batches={"c": (5, 7)})
    assert piece.people(5) == 1 and rest.people(5) == 1
    assert (piece + rest).people(5) == 5


def test_a_stored_plan_applied_again_gives_the_same_generalisation() -> None:
    hierarchies = (Hierarchy("survey", suppressible=False), Hierarchy("band"))
    counts = {("s", "a"): 6, ("s", "b"): 2, ("s", "c"): 7}
    plan = anonymise_rows(counts, hierarchies, Policy(5))
    again = replan(plan.to_json(), counts, hierarchies, Policy(5))
    assert again.levels == plan.levels and again.blanks == plan.blanks
    assert again.group_sizes == plan.group_sizes
    # A combination the plan never saw is withheld, not released as it is.
    later = replan(plan.to_json(), {**counts, ("s", "d"): 9}, hierarchies, Policy(5))
    assert later.withheld_rows == plan.withheld_rows + 9
