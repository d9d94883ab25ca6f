"""Attack: learn one person's answers from two released reliabilities of a pool.

A reader who sees α for a pool, then α again after one person joins, knows
how that one person's answers moved the pooled covariance. The rule
(surveys/stats/reliability_release.py) refuses any release whose group is
fewer than k people away from an earlier release of the same scope, any pool
under max(3k, 30), and releases α, its interval, ω and n only.
"""

from __future__ import annotations

import numpy as np
import pytest

from surveys.stats.reliability import ItemMoments, cronbach_alpha
from surveys.stats.reliability_release import (
    Release,
    ReleaseRefused,
    minimum_pool,
    release_reliability,
)
from tests.privacy import summary

K = 5
SCOPE = "climate round 3: flipside_inclusion_climate v1"


def _people(seed: int, n: int, items: int = 6) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    raw = 3 + np.outer(rng.normal(size=n), rng.uniform(0.4, 1, items))
    return np.clip(np.round(raw + rng.normal(size=(n, items))), 1, 5).tolist()


def test_a_pool_that_grows_by_one_person_is_not_released_again() -> None:
    people = _people(1, minimum_pool(K) + K + 1)
    base = people[: minimum_pool(K)]
    first, record = release_reliability(SCOPE, ItemMoments.from_rows(base, 6), k=K)
    attacked = linked = 0
    for joined in range(1, K + 1):
        grown = ItemMoments.from_rows(people[: len(base) + joined], 6)
        # Without the rule the newcomer's answers would show as a change of alpha.
        assert cronbach_alpha(grown)[0] != first.alpha
        attacked += 1
        try:
            release_reliability(SCOPE, grown, k=K, previous=[record])
        except ReleaseRefused as refused:
            assert "fewer than k = 5 people" in str(refused)
        else:
            linked += int(joined < K)
    summary.record("reliability: pooled alpha before and after one person joins", linked, attacked)
    assert linked == 0
    # k people later the pool may be shown again.
    later = ItemMoments.from_rows(people[: len(base) + K], 6)
    assert release_reliability(SCOPE, later, k=K, previous=[record])[0].n == len(base) + K


def test_a_nested_scope_fewer_than_k_people_smaller_is_refused() -> None:
    """All rounds together against one round: their difference is the other rounds."""
    people = _people(5, 34)
    _, whole = release_reliability("all rounds", ItemMoments.from_rows(people, 6), k=K)
    one_round = ItemMoments.from_rows(people[:31], 6)
    with pytest.raises(ReleaseRefused, match=r"\(all rounds\)"):
        release_reliability("round 3", one_round, k=K, previous=[whole])
    assert release_reliability("round 3", one_round, k=K)[0].n == 31


def test_one_person_swapped_for_another_is_refused_too() -> None:
    people = _people(2, 40)
    _, record = release_reliability(SCOPE, ItemMoments.from_rows(people[:35], 6), k=K)
    swapped = people[:34] + people[35:36]
    with pytest.raises(ReleaseRefused, match="fewer than k"):
        release_reliability(SCOPE, ItemMoments.from_rows(swapped, 6), k=K, previous=[record])
    same, again = release_reliability(
        SCOPE, ItemMoments.from_rows(people[:35], 6), k=K, previous=[record]
    )
    assert again == record and same.n == 35


@pytest.mark.parametrize(("k", "floor"), [(3, 30), (5, 30), (10, 30), (11, 33), (20, 60)])
def test_no_reliability_below_max_of_3k_and_30(k: int, floor: int) -> None:
    assert minimum_pool(k) == floor
    people = _people(k, floor)
    with pytest.raises(ReleaseRefused, match=f"at least {floor} complete responses") as caught:
        release_reliability(SCOPE, ItemMoments.from_rows(people[:-1], 6), k=k)
    assert str(floor - 1) not in str(caught.value)
    assert release_reliability(SCOPE, ItemMoments.from_rows(people, 6), k=k)[0].n == floor


def test_a_gap_in_an_answer_drops_the_row_so_the_floor_counts_complete_responses() -> None:
    people: list[list[float | None]] = [list(r) for r in _people(3, 30)]
    people[0][2] = None
    with pytest.raises(ReleaseRefused):
        release_reliability(SCOPE, ItemMoments.from_rows(people, 6), k=K)


def test_only_alpha_its_interval_omega_and_n_leave_never_the_covariance() -> None:
    people = _people(4, 40)
    released, record = release_reliability(SCOPE, ItemMoments.from_rows(people, 6), k=K)
    shown = released.to_dict()
    assert set(shown) == {
        "scope", "items", "n", "alpha", "alpha_ci", "alpha_interval", "omega_total", "level"
    }  # fmt: skip
    numbers = [v for v in shown.values() if isinstance(v, float)] + shown["alpha_ci"]
    assert len(numbers) == 5
    cov = np.cov(np.array(people), rowvar=False)
    assert not any(np.isclose(cov, x).any() for x in numbers)
    assert isinstance(record, Release) and set(vars(record)) == {"scope", "n", "digest"}
