"""Tables, proportions and survival against R, on seeded random data (one R process).

R calls: ``chisq.test`` (Yates on 2×2), ``fisher.test`` (exact on r × c; on 2×2
also its conditional-MLE odds ratio and interval), ``prop.test(correct = FALSE)``
whose interval is Wilson's, ``survdiff``, ``survfit(conf.type = "log-log")``
(Flipside shows log-log Kaplan–Meier intervals) and ``coxph`` (Efron ties) with
its Wald interval ``exp(confint())``.

Tolerance is 1e-6 relative, except the 2×2 conditional-MLE odds ratio and its
interval: R's fisher.test finds them with ``uniroot`` at its default tolerance,
.Machine$double.eps^0.25 ≈ 1.2e-4 absolute, on the scale of min(OR, 1/OR) (it
solves for 1/OR above 1), so R itself is only that exact. Those are compared as
min(v, 1/v) to 2.5e-4 absolute.
Survival times are whole days here, as Flipside's are: R's survival package
merges times closer than sqrt(.Machine$double.eps) (``aeqSurv``), so times like
1.2 and 1.2000000000000002 would be one time in R and two in Flipside.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from surveys import stats as S
from tests.oracle.cases import Case, compare, r_lines
from tests.support.r_oracle import run_r, vec

PER_KIND = 12


def _matrix(table: np.ndarray) -> str:
    return f"matrix({vec(table.T.ravel())}, nrow = {table.shape[0]})"


def _labels(table: np.ndarray) -> dict[str, list[str]]:
    return {
        "rows": [f"r{i}" for i in range(table.shape[0])],
        "cols": [f"c{j}" for j in range(table.shape[1])],
    }


def _table(rng: np.random.Generator, shape: tuple[int, int], high: int) -> np.ndarray:
    while True:
        table = rng.integers(0, high, shape)
        if np.all(table.sum(axis=0) > 0) and np.all(table.sum(axis=1) > 0):
            return table


def _chi2(table: np.ndarray) -> list[float | None]:
    r = S.contingency_test(table.tolist(), test="chi2", min_group_size=1, **_labels(table))
    return [r.statistic, r.df, r.pvalue]


def _fisher(table: np.ndarray) -> list[float | None]:
    r = S.contingency_test(table.tolist(), test="fisher", min_group_size=1, **_labels(table))
    assert r.extras["pvalue_method"] == "exact"
    return [r.pvalue]


def _odds_ratio(table: np.ndarray) -> list[float | None]:
    r = S.contingency_test(table.tolist(), test="fisher", min_group_size=1, **_labels(table))
    return [_fold(v) for v in (r.estimate, *(r.ci or (None, None)))]


def _fold(value: float | None) -> float | None:
    """min(v, 1/v), the scale R's uniroot solves on (0 and infinity fold to 0)."""
    if value is None or value in (0.0, math.inf):
        return None if value is None else 0.0
    return min(value, 1 / value)


def _survival_data(
    rng: np.random.Generator, groups: int
) -> dict[str, tuple[list[float], list[int]]]:
    data = {}
    for g in range(groups):
        n = int(rng.integers(8, 35))
        t = np.ceil(rng.exponential(30 / (0.5 + 0.4 * g), n))  # days, with ties
        c = np.ceil(rng.uniform(15, 120, n))
        data["abc"[g]] = ([float(v) for v in np.minimum(t, c)], [int(v) for v in t <= c])
    return data


def _surv_r(data: dict[str, tuple[list[float], list[int]]]) -> tuple[str, str, str]:
    times = vec(v for t, _ in data.values() for v in t)
    events = vec(v for _, e in data.values() for v in e)
    labels = ", ".join(f"rep({g!r}, {len(t)})" for g, (t, _) in data.items())
    return times, events, f"c({labels})"


def _km(data: dict[str, tuple[list[float], list[int]]]) -> list[float | None]:
    r = S.survival_comparison(data, min_group_size=1)
    got: list[float | None] = []
    for g in data:
        for (t, s), (_, lo, hi) in zip(r.extras["km"][g], r.extras["km_ci"][g], strict=True):
            got += [t, s, lo, hi]
    return got


def _cox(data: dict[str, tuple[list[float], list[int]]]) -> list[float | None]:
    r = S.survival_comparison(data, min_group_size=1)
    assert r.effect_size is not None and r.effect_size.ci is not None
    return [r.extras["cox"]["coef"], r.extras["cox"]["se"], *r.effect_size.ci]


def _cases() -> list[Case]:
    rng = np.random.default_rng(20_150_016)
    cases: list[Case] = []
    shapes = [(2, 2), (2, 3), (3, 3), (2, 5), (3, 4), (4, 2)]
    for i in range(PER_KIND):
        big = _table(rng, shapes[i % len(shapes)], 60) + 6
        small = _table(rng, shapes[(i + 1) % len(shapes)], 6)
        k, n = int(rng.integers(0, 40)), 40
        if i % 6 == 0:
            k = n if i % 12 == 0 else 0
        cases += [
            Case(
                f"chisq{i}",
                f"with(chisq.test({_matrix(big)}), c(statistic, parameter, p.value))",
                lambda big=big: _chi2(big),
            ),
            Case(
                f"fisher{i}",
                f"fisher.test({_matrix(small)})$p.value",
                lambda small=small: _fisher(small),
            ),
            Case(
                f"wilson{i}",
                f"prop.test({k}, {n}, correct = FALSE)$conf.int",
                lambda k=k, n=n: list(S.wilson_interval(k, n)),
            ),
        ]
        two = _table(rng, (2, 2), 12)
        cases.append(
            Case(
                f"oddsratio{i}",
                f"with(fisher.test({_matrix(two)}), pmin(c(estimate, conf.int), "
                "1 / c(estimate, conf.int)))",
                lambda two=two: _odds_ratio(two),
                rel=0.0,
                abs=2.5e-4,
            )
        )
        data = _survival_data(rng, 2 + (i % 4 == 3))
        t, e, g = _surv_r(data)
        cases += [
            Case(
                f"logrank{i}",
                f"with(survdiff(Surv({t}, {e}) ~ {g}), "
                "c(chisq, length(n) - 1, pchisq(chisq, length(n) - 1, lower.tail = FALSE)))",
                lambda data=data: [
                    (r := S.survival_comparison(data, min_group_size=1)).statistic,
                    r.df,
                    r.pvalue,
                ],
            ),
            Case(
                f"km{i}",
                f"with(summary(survfit(Surv({t}, {e}) ~ {g}, conf.type = 'log-log')), "
                "as.vector(rbind(time, surv, lower, upper)))",
                lambda data=data: _km(data),
            ),
        ]
        if len(data) == 2:
            cases.append(
                Case(
                    f"cox{i}",
                    f"with(list(f = coxph(Surv({t}, {e}) ~ I({g} == 'a'))), "
                    "c(coef(f), sqrt(vcov(f)), exp(confint(f))))",
                    lambda data=data: _cox(data),
                )
            )
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def r_answers(r_executable: str) -> dict[str, list[float]]:
    """Every case of this module through one Rscript process."""
    return run_r(r_executable, r_lines(CASES))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_flipside_matches_r(case: Case, r_answers: dict[str, list[float]]) -> None:
    compare(case, r_answers)


def test_every_kind_of_case_is_present() -> None:
    kinds = {c.id.rstrip("0123456789") for c in CASES}
    assert kinds == {"chisq", "fisher", "oddsratio", "wilson", "logrank", "km", "cox"}
    assert sum(c.id.startswith("cox") for c in CASES) >= 6
