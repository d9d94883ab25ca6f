"""Cronbach's α, its Feldt interval and ω total against R, on seeded Likert data.

R calls: ``psych::alpha(X)$total$raw_alpha`` and ``psych::alpha.ci`` (Feldt),
and ω total from base R's ``factanal(covmat = cov(X), factors = 1)`` as
(Σλᵢsᵢ)² / ((Σλᵢsᵢ)² + Σψᵢs²ᵢ). ω goes through two different optimisers (R's
and SciPy's L-BFGS-B) to the same maximum-likelihood solution, so it is
compared to 1e-5 (R's default convergence); α and its interval are closed forms,
compared to 1e-9. Without R's psych package (Debian ``r-cran-psych``, in the
Makefile's R_PACKAGES) the module skips, or fails under REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from surveys.stats.reliability import ItemMoments, cronbach_alpha, omega_total
from tests.oracle.cases import Case, compare, r_lines
from tests.support.r_oracle import run_r, vec
from tests.support.services import required

CASES = 10
PSYCH = """
suppressPackageStartupMessages(library(psych))
rel <- function(v, k, n) {
  X <- matrix(v, ncol = k, byrow = TRUE)
  a <- psych::alpha(X, warnings = FALSE, check.keys = FALSE)$total$raw_alpha
  ci <- psych::alpha.ci(a, n, k)
  f <- factanal(covmat = cov(X), factors = 1, n.obs = n)
  s <- sqrt(diag(cov(X))); l <- f$loadings[, 1] * sign(sum(f$loadings[, 1])) * s
  u <- f$uniquenesses * s^2
  c(a, ci$lower.ci, ci$upper.ci, sum(l)^2 / (sum(l)^2 + sum(u)))
}
"""


def _rows(rng: np.random.Generator) -> np.ndarray:
    n, items = int(rng.integers(30, 150)), int(rng.integers(3, 9))
    factor = rng.normal(size=n)
    raw = 3 + np.outer(factor, rng.uniform(0.2, 1.2, items)) + rng.normal(size=(n, items))
    return np.clip(np.round(raw), 1, 5)


def _ours(rows: np.ndarray) -> list[float | None]:
    moments = ItemMoments.from_rows(rows.tolist(), rows.shape[1])
    alpha, (low, high) = cronbach_alpha(moments)
    return [alpha, low, high, omega_total(moments)]


def _cases() -> tuple[list[str], list[Case]]:
    rng = np.random.default_rng(20_261_208)
    setup, found = [], []
    for i in range(CASES):
        rows = _rows(rng)
        setup.append(f"r{i} <- rel({vec(rows.flatten())}, {rows.shape[1]}, {rows.shape[0]})")
        found.append(Case(f"alpha{i}", f"r{i}[1:3]", lambda r=rows: _ours(r)[:3], rel=1e-9))
        found.append(Case(f"omega{i}", f"r{i}[4]", lambda r=rows: _ours(r)[3:], rel=1e-5))
    return setup, found


SETUP, ALL = _cases()


@pytest.fixture(scope="module")
def answers(r_executable: str) -> dict[str, list[float]]:
    check = [r_executable, "-e", "quit(status = !requireNamespace('psych', quietly = TRUE))"]
    if subprocess.run(check, capture_output=True, timeout=120, check=False).returncode != 0:
        if required():
            pytest.fail("R's psych package is missing and REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip("R's psych package is missing (make r-deps, or apt-get install r-cran-psych)")
    return run_r(r_executable, [PSYCH, *SETUP, *r_lines(ALL)])


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_reliability_agrees_with_r(case: Case, answers: dict[str, list[float]]) -> None:
    compare(case, answers)
