"""Two-sample, paired and k-sample tests against R, on seeded random data (one R process).

R calls: ``t.test`` (Welch, with its interval), ``wilcox.test`` (W; exact below 50
without ties, else normal with correct = TRUE), Brunner–Munzel by its formula
(base R has no function; the formula is brunnermunzel.test's, with the interval of
p̂ as lawstat), ``kruskal.test`` with pairwise ``wilcox.test`` p-values through
``p.adjust(method = "holm")``, and ``t.test`` / ``wilcox.test`` with paired = TRUE.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pytest

from surveys import stats as S
from surveys.stats import TestResult
from tests.oracle.cases import Case, compare, r_lines
from tests.support.r_oracle import run_r, vec

PER_KIND = 12
KW = {"min_group_size": 2}

BRUNNER_MUNZEL = """
bm <- function(x, y) {
  n1 <- length(x); n2 <- length(y); r <- rank(c(x, y))
  r1 <- r[1:n1]; r2 <- r[(n1 + 1):(n1 + n2)]; m1 <- mean(r1); m2 <- mean(r2)
  s1 <- sum((r1 - rank(x) - m1 + (n1 + 1) / 2)^2) / (n1 - 1)
  s2 <- sum((r2 - rank(y) - m2 + (n2 + 1) / 2)^2) / (n2 - 1)
  v <- n1 * s1 + n2 * s2
  st <- n1 * n2 * (m2 - m1) / ((n1 + n2) * sqrt(v))
  df <- v^2 / ((n1 * s1)^2 / (n1 - 1) + (n2 * s2)^2 / (n2 - 1))
  p <- 2 * min(pt(st, df), pt(st, df, lower.tail = FALSE))
  ph <- (m2 - (n2 + 1) / 2) / n1; se <- sqrt(v) / (n1 * n2); q <- qt(0.975, df)
  c(st, df, p, ph, max(0, ph - q * se), min(1, ph + q * se))
}
"""


def _sample(rng: np.random.Generator, likert: bool, shift: float) -> list[float]:
    n = int(rng.integers(5, 40))
    if likert:
        return [float(v) for v in np.clip(np.round(rng.normal(3 + shift, 1.1, n)), 1, 5)]
    return [float(v) for v in np.round(rng.normal(shift, 1 + rng.random(), n), 6)]


def _tcivals(r: TestResult) -> list[float | None]:
    assert r.ci is not None
    return [r.statistic, r.df, r.pvalue, r.ci[0], r.ci[1]]


def _kruskal(groups: dict[str, list[float]]) -> list[float | None]:
    r = S.kruskal_wallis(groups, min_group_size=2)
    pairs = r.extras.get("pairwise") or []
    return [r.statistic, r.df, r.pvalue, *[q["pvalue_adjusted"] for q in pairs]]


def _cases() -> list[Case]:
    rng = np.random.default_rng(20_150_015)
    cases: list[Case] = []
    for i in range(PER_KIND):
        likert = i % 2 == 1
        x, y = _sample(rng, likert, 0.0), _sample(rng, likert, float(rng.normal(0, 0.6)))
        cases += [
            Case(
                f"welch{i}",
                f"with(t.test({vec(x)}, {vec(y)}), c(statistic, parameter, p.value, conf.int))",
                lambda x=x, y=y: _tcivals(S.welch_t(x, y, **KW)),
            ),
            Case(
                f"wilcox{i}",
                f"with(suppressWarnings(wilcox.test({vec(x)}, {vec(y)})), c(statistic, p.value))",
                lambda x=x, y=y: [(r := S.mann_whitney(x, y, **KW)).statistic, r.pvalue],
            ),
            Case(
                f"bm{i}",
                f"bm({vec(x)}, {vec(y)})",
                lambda x=x, y=y: [
                    (r := S.brunner_munzel(x, y, **KW)).statistic,
                    r.df,
                    r.pvalue,
                    r.estimate,
                    *(r.ci or (None, None)),
                ],
            ),
        ]
        n = min(len(x), len(y))
        px, py = x[:n], y[:n]
        cases += [
            Case(
                f"paired_t{i}",
                f"with(t.test({vec(px)}, {vec(py)}, paired = TRUE), "
                "c(statistic, parameter, p.value, conf.int))",
                lambda px=px, py=py: _tcivals(S.paired_t(px, py, **KW)),
            ),
            Case(
                f"signrank{i}",
                f"with(suppressWarnings(wilcox.test({vec(px)}, {vec(py)}, paired = TRUE)), "
                "c(statistic, p.value))",
                lambda px=px, py=py: [
                    (r := S.wilcoxon_signed_rank(px, py, **KW)).statistic,
                    r.pvalue,
                ],
            ),
        ]
        groups = {f"g{j}": _sample(rng, likert, 0.3 * j) for j in range(2 + i % 3)}
        pair_ps = ", ".join(
            f"suppressWarnings(wilcox.test({vec(groups[a])}, {vec(groups[b])}))$p.value"
            for a, b in combinations(groups, 2)
        )
        holm = f"p.adjust(c({pair_ps}), 'holm')" if len(groups) > 2 else "NULL"
        listed = ", ".join(vec(v) for v in groups.values())
        cases.append(
            Case(
                f"kruskal{i}",
                f"c(with(kruskal.test(list({listed})), c(statistic, parameter, p.value)), {holm})",
                lambda groups=groups: _kruskal(groups),
            )
        )
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def r_answers(r_executable: str) -> dict[str, list[float]]:
    """Every case of this module through one Rscript process."""
    return run_r(r_executable, [BRUNNER_MUNZEL, *r_lines(CASES)])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_flipside_matches_r(case: Case, r_answers: dict[str, list[float]]) -> None:
    compare(case, r_answers)


def test_every_kind_of_case_is_present() -> None:
    kinds: Sequence[str] = ("welch", "wilcox", "bm", "paired_t", "signrank", "kruskal")
    for kind in kinds:
        assert sum(c.id.rstrip("0123456789") == kind for c in CASES) == PER_KIND
