"""Fisher's exact test on r × c tables, as R's ``fisher.test``.

The p-value is the total probability (under independence, margins fixed) of
every table no more likely than the observed one, with R's relative tolerance:
a table counts when its probability is at most ``p_observed * (1 + 1e-7)``.

The tables are enumerated exactly with a network algorithm (Mehta & Patel's
idea, as in R's FEXACT): columns are filled one at a time, and a node of the
network is "columns done so far + the multiset of row totals still to fill".
For every node the largest, smallest and total probability of all its
completions are known (the total in closed form, the extremes by a memoised
search), so a partial table whose every completion is counted is added in one
step and one whose every completion is excluded is dropped. Paths reaching the
same node with the same probability so far are merged.

The work is capped at :data:`EXACT_LIMIT` network edges (partial tables
examined). Beyond it the p-value is simulated like R's
``fisher.test(simulate.p.value = TRUE)`` from :data:`SIMULATIONS` random
tables with the same margins (fixed seed), and the result says so and gives
the Monte Carlo standard error.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.stats import random_table

EXACT_LIMIT = 200_000
SIMULATIONS = 20_000
SEED = 20_250_501
REL_ERR = 1 + 1e-7  # R's fisher.test tolerance on "no more likely than observed"


@dataclass(frozen=True)
class FisherRxC:
    """The p-value and how it was obtained (``method`` is "exact" or "simulated")."""

    pvalue: float
    method: str
    simulations: int = 0
    mc_standard_error: float | None = None


class _TooLarge(Exception):
    """The enumeration would exceed :data:`EXACT_LIMIT` edges."""


@lru_cache(maxsize=4096)
def _lfact(k: int) -> float:
    return math.lgamma(k + 1)


def _compositions(total: int, caps: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Every way of splitting ``total`` into len(caps) parts with part i <= caps[i]."""
    if len(caps) == 1:
        if total <= caps[0]:
            yield (total,)
        return
    room = sum(caps[1:])
    for first in range(max(0, total - room), min(total, caps[0]) + 1):
        for rest in _compositions(total - first, caps[1:]):
            yield (first, *rest)


@lru_cache(maxsize=100_000)
def _column(total: int, caps: tuple[int, ...]) -> tuple[tuple[float, tuple[int, ...]], ...]:
    """(log Π 1/x!, rows left sorted) for every way to fill a column of ``total``."""
    return tuple(
        (
            -sum(_lfact(x) for x in part),
            tuple(sorted(r - x for r, x in zip(caps, part, strict=True))),
        )
        for part in _compositions(total, caps)
    )


class _Network:
    """Exact completions' bounds for the nodes of one table's network."""

    def __init__(self, cols: tuple[int, ...], limit: int) -> None:
        self.cols = cols
        self.limit = limit
        self.edges = 0
        self.extremes = lru_cache(maxsize=None)(self._extremes)

    def step(self, j: int, rows: tuple[int, ...]) -> tuple[tuple[float, tuple[int, ...]], ...]:
        """(log weight of column j's cells, next node) for every way to fill column j."""
        found = _column(self.cols[j], rows)
        self.edges += len(found)
        if self.edges > self.limit:
            raise _TooLarge
        return found

    def total(self, j: int, rows: tuple[int, ...]) -> float:
        """log Σ over completions of Π 1/x! (closed form: multinomial identity)."""
        return _lfact(sum(rows)) - sum(map(_lfact, rows)) - sum(map(_lfact, self.cols[j:]))

    def _extremes(self, j: int, rows: tuple[int, ...]) -> tuple[float, float]:
        """(max, min) over completions from node (j, rows) of Σ −log x!."""
        if j == len(self.cols):
            return 0.0, 0.0
        best, worst = -math.inf, math.inf
        for weight, left in self.step(j, rows):
            hi, lo = self.extremes(j + 1, left)
            best, worst = max(best, weight + hi), min(worst, weight + lo)
        return best, worst


def _exact(table: np.ndarray, limit: int) -> float:
    if table.shape[0] > table.shape[1]:
        table = table.T  # fewer rows: smaller network nodes
    rows = tuple(sorted(int(v) for v in table.sum(axis=1)))
    cols = tuple(sorted((int(v) for v in table.sum(axis=0)), reverse=True))
    n = sum(rows)
    const = sum(map(_lfact, rows)) + sum(map(_lfact, cols)) - _lfact(n)
    observed = const - sum(_lfact(int(x)) for x in table.ravel())
    cutoff = observed + math.log(REL_ERR)
    net = _Network(cols, limit)
    pvalue = 0.0
    level: dict[tuple[int, ...], dict[float, tuple[float, float]]] = {rows: {0.0: (0.0, 1.0)}}
    for j in range(len(cols) + 1):
        following: dict[tuple[int, ...], dict[float, tuple[float, float]]] = {}
        for node, pasts in level.items():
            hi, lo = net.extremes(j, node)
            for past, count in pasts.values():
                if const + past + hi <= cutoff:  # every completion counts
                    pvalue += count * math.exp(const + past + net.total(j, node))
                elif const + past + lo <= cutoff:  # some do: open the node
                    for weight, left in net.step(j, node):
                        key = round(past + weight, 9)
                        old = following.setdefault(left, {}).get(key, (past + weight, 0.0))
                        following[left][key] = (old[0], old[1] + count)
        level = following
    return min(1.0, pvalue)


def _log_probabilities(tables: np.ndarray) -> np.ndarray:
    """log Π 1/x! per table (the margin terms are the same for all)."""
    from scipy.special import gammaln

    return np.asarray(-gammaln(tables + 1.0).sum(axis=(-2, -1)), dtype=np.float64)


def _simulated(table: np.ndarray, draws: int, seed: int) -> FisherRxC:
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    sample = random_table(rows, cols, seed=np.random.default_rng(seed)).rvs(size=draws)
    observed = float(_log_probabilities(table.astype(np.float64)))
    hits = int(
        np.sum(_log_probabilities(sample.astype(np.float64)) <= observed + math.log(REL_ERR))
    )
    p = (1 + hits) / (draws + 1)  # as R: the observed table counts as one draw
    return FisherRxC(p, "simulated", draws, math.sqrt(p * (1 - p) / draws))


def fisher_rxc(
    table: np.ndarray | list[list[int]],
    *,
    limit: int | None = None,
    simulations: int = SIMULATIONS,
    seed: int = SEED,
) -> FisherRxC:
    """Two-sided Fisher's exact p-value of an r × c table of whole counts."""
    counts = np.asarray(table, dtype=np.int64)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return FisherRxC(1.0, "exact")
    try:
        return FisherRxC(_exact(counts, EXACT_LIMIT if limit is None else limit), "exact")
    except _TooLarge:
        return _simulated(counts, simulations, seed)
