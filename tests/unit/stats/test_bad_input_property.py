"""Every public function of surveys.stats, fed NaN, infinities, negative, fractional,
empty and huge inputs, either returns finite, valid results or raises StatsInputError
(a ValueError with a plain message) -- never another exception, never a NaN result."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import stats as S
from surveys.stats import StatsInputError, TestResult
from surveys.stats.fisher import FisherRxC, fisher_rxc

ODD = [math.nan, math.inf, -math.inf, -1.0, -3.5, 2.5, 0.0, 1e308, 1e15, 1e9]
#: Mostly ordinary values, with the odd ones mixed in.
NUMBER = st.one_of(
    st.integers(0, 10).map(float),
    st.integers(0, 10).map(float),
    st.sampled_from(ODD),
    st.floats(allow_nan=True, allow_infinity=True),
)
COUNT = st.one_of(
    st.integers(0, 30), st.integers(0, 30), st.sampled_from(ODD), st.integers(-5, 10**12)
)
SAMPLE = st.lists(NUMBER, max_size=14)
HISTOGRAM = st.dictionaries(NUMBER, COUNT, max_size=6)
K = st.sampled_from([1, 2, 5])
PROBABILITY = st.one_of(st.floats(0, 1), st.sampled_from(ODD))


def _finite(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool)):
        return True
    if isinstance(value, (int, float, np.floating, np.integer)):
        return math.isfinite(float(value))
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


def valid(result: Any) -> None:
    """A result a reader could be shown: finite numbers, p-values within [0, 1]."""
    if isinstance(result, TestResult):
        data = result.to_dict()  # NaN would become None: check the fields themselves
        for name in ("statistic", "df", "pvalue", "pvalue_adjusted", "estimate"):
            assert _finite(getattr(result, name)), (name, getattr(result, name))
        assert _finite(result.ci) and _finite(result.n), (result.ci, result.n)
        if result.effect_size is not None:
            assert _finite(result.effect_size.value) and _finite(result.effect_size.ci)
        if result.pvalue is not None:
            assert 0.0 <= result.pvalue <= 1.0, result.pvalue
        assert all(isinstance(v, int) and v >= 0 for v in result.n.values()), result.n
        assert data["summary"]
    elif isinstance(result, FisherRxC):
        assert 0.0 <= result.pvalue <= 1.0
    elif isinstance(result, S.NetScore):
        assert _finite((result.score, result.interval)) and -100 <= result.score <= 100
    elif isinstance(result, (list, tuple)):
        for item in result:
            valid(item)
    elif isinstance(result, float):
        assert math.isfinite(result), result


def refuses_or_answers(call: Callable[[], Any]) -> None:
    try:
        result = call()
    except StatsInputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    valid(result)


CASES: dict[str, st.SearchStrategy[Callable[[], Any]]] = {}


def case(name: str, strategy: st.SearchStrategy[Callable[[], Any]]) -> None:
    CASES[name] = strategy


for two in ("welch_t", "mann_whitney", "brunner_munzel", "paired_t", "wilcoxon_signed_rank"):
    case(
        two,
        st.builds(
            lambda x, y, k, f=S.__dict__[two]: lambda: f(x, y, min_group_size=k), SAMPLE, SAMPLE, K
        ),
    )
for counts in ("welch_t_from_counts", "mann_whitney_from_counts", "brunner_munzel_from_counts"):
    case(
        counts,
        st.builds(
            lambda a, b, k, f=S.__dict__[counts]: lambda: f(a, b, min_group_size=k),
            HISTOGRAM,
            HISTOGRAM,
            K,
        ),
    )
case(
    "kruskal_wallis",
    st.builds(
        lambda g, k: lambda: S.kruskal_wallis(g, min_group_size=k),
        st.dictionaries(st.sampled_from("abc"), SAMPLE, max_size=3),
        K,
    ),
)
case(
    "kruskal_from_counts",
    st.builds(
        lambda g, k: lambda: S.kruskal_from_counts(g, min_group_size=k),
        st.dictionaries(st.sampled_from("abc"), HISTOGRAM, max_size=3),
        K,
    ),
)
case(
    "chi_square_from_counts",
    st.builds(
        lambda g, k: lambda: S.chi_square_from_counts(g, min_group_size=k),
        st.dictionaries(st.sampled_from("abc"), HISTOGRAM, max_size=3),
        K,
    ),
)
case(
    "weighted_welch",
    st.builds(
        lambda x, y, w, k: lambda: S.weighted_welch(x, y, y_weights=w, min_group_size=k),
        SAMPLE,
        SAMPLE,
        st.none() | SAMPLE,
        K,
    ),
)
case(
    "difference_in_differences",
    st.builds(
        lambda a, b, c, d, k: lambda: S.difference_in_differences(a, b, c, d, min_group_size=k),
        SAMPLE,
        SAMPLE,
        SAMPLE,
        SAMPLE,
        K,
    ),
)
case(
    "welch_t_from_moments",
    st.builds(
        lambda a, b, c, d, e, f, k: (
            lambda: S.welch_t_from_moments(a, b, c, d, e, f, min_group_size=k)
        ),
        COUNT,
        NUMBER,
        NUMBER,
        COUNT,
        NUMBER,
        NUMBER,
        K,
    ),
)


def _table(cells: list[Any], cols: int) -> list[list[Any]]:
    return [cells[i : i + cols] for i in range(0, len(cells) - len(cells) % cols, cols)]


case(
    "contingency_test",
    st.builds(
        lambda cells, c, k, t: (
            lambda: S.contingency_test(
                _table(cells, c),
                rows=[f"r{i}" for i in range(len(_table(cells, c)))],
                cols=[f"c{j}" for j in range(c)],
                min_group_size=k,
                test=t,
            )
        ),
        st.lists(COUNT, max_size=9),
        st.integers(2, 3),
        K,
        st.sampled_from(["auto", "chi2", "fisher"]),
    ),
)
case(
    "fisher_rxc",
    st.builds(
        lambda cells, c: lambda: fisher_rxc(_table(cells, c)),
        st.lists(COUNT, max_size=9),
        st.integers(1, 3),
    ),
)
case(
    "proportion_favourable",
    st.builds(
        lambda h, k: lambda: S.proportion_favourable(h, min_group_size=k),
        st.one_of(HISTOGRAM, SAMPLE),
        K,
    ),
)
case(
    "wilson_interval",
    st.builds(lambda s, n, c: lambda: S.wilson_interval(s, n, c), COUNT, COUNT, PROBABILITY),
)
case("net_score", st.builds(lambda h, c: lambda: S.net_score(h, c), HISTOGRAM, PROBABILITY))
case("net_score_groups", st.builds(lambda h: lambda: S.net_score_groups(h), HISTOGRAM))
case(
    "net_score_interval",
    st.builds(
        lambda a, b, c, d: lambda: S.net_score_interval(a, b, c, d),
        COUNT,
        COUNT,
        COUNT,
        PROBABILITY,
    ),
)
case(
    "hedges_g",
    st.builds(
        lambda a, b, c, d, e, f: lambda: S.hedges_g(a, b, c, d, e, f),
        COUNT,
        NUMBER,
        NUMBER,
        COUNT,
        NUMBER,
        NUMBER,
    ),
)
case(
    "adjust",
    st.builds(
        lambda p, m: lambda: S.adjust(p, m),
        st.lists(PROBABILITY, max_size=6),
        st.sampled_from(["holm", "BH", "bonferroni", "none"]),
    ),
)
case("holm", st.builds(lambda p: lambda: S.holm(p), st.lists(PROBABILITY, max_size=6)))
case(
    "benjamini_hochberg",
    st.builds(lambda p: lambda: S.benjamini_hochberg(p), st.lists(PROBABILITY, max_size=6)),
)
case(
    "adjust_family",
    st.builds(
        lambda p: lambda: S.adjust_family([TestResult("t", None, v, {"a": 5}, "s") for v in p]),
        st.lists(PROBABILITY, max_size=4),
    ),
)
case(
    "minimum_detectable_effect",
    st.builds(
        lambda a, b, p, al: lambda: S.minimum_detectable_effect(a, b, p, al),
        COUNT,
        COUNT,
        PROBABILITY,
        PROBABILITY,
    ),
)
case(
    "power_two_sample",
    st.builds(
        lambda d, a, b, al: lambda: S.power_two_sample(d, a, b, al),
        NUMBER,
        COUNT,
        COUNT,
        PROBABILITY,
    ),
)
case("tenure_band", st.builds(lambda y: lambda: S.tenure_band(y), NUMBER))
case(
    "check_group_sizes",
    st.builds(
        lambda n, k: lambda: S.check_group_sizes(n, k),
        st.dictionaries(st.sampled_from("ab"), COUNT, max_size=2),
        st.one_of(K, COUNT),
    ),
)
_PEOPLE = st.lists(
    st.builds(
        S.Person,
        st.booleans(),
        st.sampled_from(["associate", "partner"]),
        st.just("Corporate"),
        NUMBER,
        st.sampled_from(["woman", "man"]),
    ),
    max_size=14,
)
case("coarsened_exact_match", st.builds(lambda p: lambda: S.coarsened_exact_match(p), _PEOPLE))
case(
    "matched_comparison",
    st.builds(
        lambda p, o, k: (
            lambda: S.matched_comparison(
                p, o[: len(p)] + [3.0] * (len(p) - len(o)), min_group_size=k
            )
        ),
        _PEOPLE,
        SAMPLE,
        K,
    ),
)
case(
    "survival_comparison",
    st.builds(
        lambda t1, t2, k: (
            lambda: S.survival_comparison(
                {"a": (t1, [1] * len(t1)), "b": (t2, [i % 2 for i in range(len(t2))])},
                min_group_size=k,
            )
        ),
        SAMPLE,
        SAMPLE,
        K,
    ),
)

ROWS = st.lists(st.lists(NUMBER, min_size=3, max_size=3), max_size=40)


def _moments(rows: list[list[float]]) -> S.ItemMoments:
    return S.ItemMoments.from_rows(rows, 3)


case("cronbach_alpha", st.builds(lambda r: lambda: S.cronbach_alpha(_moments(r)), ROWS))
case("omega_total", st.builds(lambda r: lambda: S.omega_total(_moments(r)), ROWS))
case("minimum_pool", st.builds(lambda k: lambda: S.minimum_pool(k), K))
case(
    "release_reliability",
    st.builds(lambda r, k: lambda: S.release_reliability("s", _moments(r), k=k)[0].alpha, ROWS, K),
)


def test_every_public_function_has_a_case() -> None:
    public = {
        name
        for name in S.__all__
        if callable(getattr(S, name)) and not isinstance(getattr(S, name), type)
    }
    assert public <= set(CASES), sorted(public - set(CASES))


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gets_one_clear_error_or_a_valid_result(name: str) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(CASES[name])
    def check(call: Callable[[], Any]) -> None:
        try:
            refuses_or_answers(call)
        except (AssertionError, StatsInputError):
            raise
        except Exception as exc:
            raise AssertionError(f"{name} raised {type(exc).__name__}: {exc}") from exc

    check()


@pytest.mark.parametrize(
    "call",
    [
        lambda: S.net_score({9: math.nan, 3: 4}),
        lambda: S.net_score({9: math.inf}),
        lambda: S.net_score({9: 2.5, 3: 4}),  # never truncated to 2
        lambda: S.proportion_favourable([4, 5, math.nan, 2, 1], min_group_size=1),
        lambda: S.contingency_test(
            [[math.inf, 1], [2, 3]], rows=["a", "b"], cols=["x", "y"], min_group_size=1
        ),
        lambda: S.wilson_interval(2.5, 10),  # type: ignore[arg-type]
        lambda: fisher_rxc([[1, -1], [2, 3]]),
        lambda: fisher_rxc([[1.5, 1], [2, 3]]),
        lambda: fisher_rxc([[1, 2], [3]]),
        lambda: fisher_rxc([]),
    ],
)
def test_the_reported_bad_inputs_are_refused_with_one_clear_error(call: Callable[[], Any]) -> None:
    with pytest.raises(StatsInputError):
        call()


def test_one_against_five_at_k_1_is_a_result_not_a_division_by_zero() -> None:
    result = S.mann_whitney([3.0], [1.0, 2.0, 4.0, 5.0, 2.5], min_group_size=1)
    valid(result)
    assert result.n == {"x": 1, "y": 5}


@pytest.mark.parametrize(
    "table",
    [[[10**9, 2 * 10**9, 1], [10**9, 10**9, 0]], [[10**9, 1], [10**9, 0]]],
)  # an expected count under 5: "auto" would pick Fisher
def test_huge_counts_switch_to_chi_squared_with_the_reason_or_are_refused(
    table: list[list[int]],
) -> None:
    """Decided from the counts: no enumeration, no SciPy overflow (2x2 at 1e9 raises
    OverflowError in fisher_exact), and the notes say why the χ² test was used."""
    labels = {"rows": ["a", "b"], "cols": [f"c{j}" for j in range(len(table[0]))]}
    result = S.contingency_test(table, min_group_size=1, **labels)
    assert result.test.startswith("Pearson's chi-squared test")
    assert any("Fisher's exact test is not computed" in note for note in result.notes)
    valid(result)
    with pytest.raises(StatsInputError, match="not computed on more than"):
        S.contingency_test(table, min_group_size=1, test="fisher", **labels)
    with pytest.raises(StatsInputError, match="not computed on more than"):
        fisher_rxc(table)
