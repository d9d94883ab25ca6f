"""Exact Fisher r × c against real R on random tables of ordinary sizes (issue 24).

R's ``fisher.test`` (FEXACT, default workspace) computes these exactly; the
network algorithm (:mod:`surveys.stats.fisher`) must too -- exact, not simulated --
and agree to R's printed precision. A table R cannot do within its workspace is
recorded as such, and then ours may simulate (and must say so).
"""

from __future__ import annotations

import numpy as np
import pytest

from surveys.stats.fisher import fisher_rxc
from tests.support.r_oracle import run_r

#: (rows, columns, responses): the sizes the issue names, and their neighbours.
SIZES = [(3, 4, 120), (4, 4, 60), (2, 6, 150), (3, 5, 80), (3, 3, 200), (4, 3, 90)]
PER_SIZE = 4


def _tables() -> list[np.ndarray]:
    rng = np.random.default_rng(20_261_208)
    found: list[np.ndarray] = []
    for rows, cols, n in SIZES:
        while sum(1 for t in found if t.shape == (rows, cols)) < PER_SIZE:
            shares = rng.dirichlet(np.full(rows * cols, 2.0))
            table = rng.multinomial(n, shares).reshape(rows, cols)
            if np.all(table.sum(axis=0) > 0) and np.all(table.sum(axis=1) > 0):
                found.append(table)
    return found


def _matrix(table: np.ndarray) -> str:
    cells = ", ".join(str(int(v)) for v in table.T.ravel())
    return f"matrix(c({cells}), {table.shape[0]})"


def test_random_tables_are_exact_and_agree_with_r(r_executable: str) -> None:
    tables = _tables()
    # R's p-value in its default workspace (NA when it runs out) and in a larger one.
    body = [
        f"m <- {_matrix(t)}; out('t{i}', tryCatch(fisher.test(m)$p.value, error = function(e) NA),"
        f" tryCatch(fisher.test(m, workspace = 2e8)$p.value, error = function(e) NA))"
        for i, t in enumerate(tables)
    ]
    r = run_r(r_executable, body)
    exact_in_r = 0
    for i, table in enumerate(tables):
        ours = fisher_rxc(table)
        default, larger = r[f"t{i}"]
        exact_in_r += not np.isnan(default)
        if np.isnan(larger):  # beyond R even with a larger workspace: ours may simulate
            assert ours.method == "exact" or ours.reason, table.tolist()
            continue
        assert ours.method == "exact", table.tolist()
        assert ours.pvalue == pytest.approx(larger, rel=1e-6, abs=1e-14), table.tolist()
        if not np.isnan(default):
            assert ours.pvalue == pytest.approx(default, rel=1e-6, abs=1e-14)
    assert exact_in_r >= len(tables) // 2, "R should compute most of these in its workspace"
