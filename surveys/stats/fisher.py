"""Fisher's exact test on r × c tables, as R's ``fisher.test``.

The p-value is the total probability (under independence, margins fixed) of
every table no more likely than the observed one, with R's relative tolerance:
a table counts when its probability is at most ``p_observed * (1 + 1e-7)``.

The tables are enumerated exactly with a network algorithm (Mehta & Patel,
as R's FEXACT), in NumPy. The table is turned so it has no more rows than
columns; columns are filled one at a time, and a node of the network is
"columns done so far + the sorted row totals still to fill". A forward pass
builds every node and edge (the ways to fill the next column); a backward pass
gives every node the largest and smallest log weight of its completions, and
the total weight of all of them in closed form (a multinomial identity). The
paths are then followed level by level as (node, past weight, count): a path
whose every completion is no more likely than the observed table is counted in
one step, one whose every completion is more likely is dropped, and paths
reaching one node with one past weight are merged.

The method is decided from the counts before anything is built
(:func:`exact_work`): a table whose network would exceed :data:`EXACT_LIMIT`
edges, or whose paths exceed :data:`PATH_LIMIT` (:data:`MERGE_LIMIT` merged) while
followed -- like R's workspace, which refuses such tables -- gets a p-value
simulated like R's ``fisher.test(simulate.p.value = TRUE)`` from
:data:`SIMULATIONS` random tables with the same margins (fixed seed), and the
result says so and gives the Monte Carlo standard error.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import gammaln
from scipy.stats import random_table

from surveys.stats.checks import count_table
from surveys.stats.result import StatsInputError

#: Network edges built; paths followed (all columns); paths merged (all but the last two).
EXACT_LIMIT = 6_000_000
PATH_LIMIT = 60_000_000
MERGE_LIMIT = 4_000_000
#: Beyond this many responses Fisher's test is not computed at all (SciPy overflows on
#: 2x2 near 1e9 and its random tables fail), and the χ² test agrees with it anyway.
FISHER_MAX_N = 10_000_000
SIMULATIONS = 20_000
SEED = 20_250_501
REL_ERR = 1 + 1e-7  # R's fisher.test tolerance on "no more likely than observed"
_CHUNK = 1_000_000  # expanded paths held at once


@dataclass(frozen=True)
class FisherRxC:
    """The p-value and how it was obtained (``method`` is "exact" or "simulated")."""

    pvalue: float
    method: str
    simulations: int = 0
    mc_standard_error: float | None = None
    reason: str = ""


class _TooLarge(Exception):
    """The network or its paths would exceed the limits."""


def _lf(values: np.ndarray) -> np.ndarray:
    return np.asarray(gammaln(np.asarray(values, dtype=np.float64) + 1.0))


@lru_cache(maxsize=200_000)
def _fills(total: int, caps: tuple[int, ...]) -> np.ndarray:
    """Every way to split ``total`` over len(caps) cells with cell i <= caps[i] (E × r)."""
    room = np.cumsum(np.asarray(caps[::-1], dtype=np.int64))[::-1]
    parts = np.zeros((1, 0), dtype=np.int64)
    left = np.array([total], dtype=np.int64)
    for i, cap in enumerate(caps[:-1]):
        low = np.maximum(0, left - room[i + 1])
        size = np.maximum(np.minimum(left, cap) - low + 1, 0)
        which = np.repeat(np.arange(len(left)), size)
        step = np.arange(len(which)) - np.repeat(np.cumsum(size) - size, size)
        value = low[which] + step
        parts = np.hstack([parts[which], value[:, None]])
        left = left[which] - value
    keep = left <= caps[-1]
    return np.hstack([parts[keep], left[keep][:, None]])


def exact_work(rows: tuple[int, ...], cols: tuple[int, ...]) -> float:
    """An upper bound on the ways to fill any one column: decides the method up front."""
    r = len(rows)
    return max(float(math.comb(c + r - 1, r - 1)) for c in cols)


class _Network:
    def __init__(self, rows: tuple[int, ...], cols: tuple[int, ...]) -> None:
        self.cols, self.base = cols, max(rows) + 1
        self.nodes = [np.array([rows], dtype=np.int64)]
        self.edges: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # start, weight, child
        built = 0
        for j in range(len(cols) - 1):
            starts, weights, children = [0], [], []
            for node in self.nodes[j]:
                fill = _fills(cols[j], tuple(int(v) for v in node))
                built += len(fill)
                if built > EXACT_LIMIT:
                    raise _TooLarge
                weights.append(-_lf(fill).sum(axis=1))
                children.append(np.sort(node - fill, axis=1))
                starts.append(starts[-1] + len(fill))
            child = np.vstack(children)
            codes = self.code(child)
            unique, index = np.unique(codes, return_inverse=True)
            first = np.unique(codes, return_index=True)[1]
            self.nodes.append(child[first])
            assert len(unique) == len(first)
            self.edges.append((np.asarray(starts[:-1]), np.concatenate(weights), index))
        last = -_lf(self.nodes[-1]).sum(axis=1)  # the last column is forced
        self.high, self.low = [last], [last]
        for start, weight, child in reversed(self.edges):
            self.high.insert(0, np.maximum.reduceat(weight + self.high[0][child], start))
            self.low.insert(0, np.minimum.reduceat(weight + self.low[0][child], start))

    def code(self, nodes: np.ndarray) -> np.ndarray:
        powers = self.base ** np.arange(nodes.shape[1], dtype=np.int64)
        return np.asarray(nodes @ powers)

    def total(self, j: int) -> np.ndarray:
        """log Σ over each node's completions of Π 1/x! (closed form)."""
        nodes = self.nodes[j]
        return np.asarray(
            _lf(nodes.sum(axis=1)) - _lf(nodes).sum(axis=1) - _lf(np.array(self.cols[j:])).sum()
        )


def _exact(table: np.ndarray) -> float:
    if table.shape[0] > table.shape[1]:
        table = table.T  # fewer rows: smaller nodes
    rows = tuple(sorted(int(v) for v in table.sum(axis=1)))
    cols = tuple(sorted((int(v) for v in table.sum(axis=0)), reverse=True))
    if exact_work(rows, cols) > EXACT_LIMIT or float(max(rows) + 1) ** len(rows) > 2**62:
        raise _TooLarge
    const = float(_lf(np.array(rows)).sum() + _lf(np.array(cols)).sum() - _lf(np.array(sum(rows))))
    cutoff = const - float(_lf(table).sum()) + math.log(REL_ERR)
    net = _Network(rows, cols)
    pvalue, followed, merged = 0.0, 0, 0
    node, past, count = np.zeros(1, np.int64), np.zeros(1), np.ones(1)
    for j in range(len(cols)):
        high, low, total = net.high[j][node], net.low[j][node], net.total(j)[node]
        every = const + past + high <= cutoff
        pvalue += float(np.sum(count[every] * np.exp(const + past[every] + total[every])))
        keep = ~every & (const + past + low <= cutoff)
        node, past, count = node[keep], past[keep], count[keep]
        if j == len(cols) - 1 or not len(node):
            break
        start, weight, child = net.edges[j]
        degree = np.diff(np.append(start, len(weight)))[node]
        followed += int(degree.sum())
        merged += int(degree.sum()) if j + 2 < len(cols) else 0
        if followed > PATH_LIMIT or merged > MERGE_LIMIT:
            raise _TooLarge
        chunks = _paths(node, past, count, degree, start, weight, child)
        if j + 2 == len(cols):  # the next column is the last: its nodes' bounds are exact
            last, total = net.high[j + 1], net.total(j + 1)
            for to, value, weight_of in chunks:
                every = const + value + last[to] <= cutoff
                pvalue += float(
                    np.sum(weight_of[every] * np.exp(const + value[every] + total[to[every]]))
                )
            break
        node, past, count = _merged(list(chunks))
    return min(1.0, pvalue)


def _paths(
    node: np.ndarray,
    past: np.ndarray,
    count: np.ndarray,
    degree: np.ndarray,
    start: np.ndarray,
    weight: np.ndarray,
    child: np.ndarray,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Every path one column on, in chunks of about :data:`_CHUNK`: (node, past, count)."""
    ends = np.cumsum(degree)
    begin = 0
    while begin < len(node):
        stop = max(int(np.searchsorted(ends, ends[begin] - degree[begin] + _CHUNK)), begin + 1)
        d = degree[begin:stop]
        which = np.repeat(np.arange(begin, stop), d)
        edge = start[node[which]] + np.arange(len(which)) - np.repeat(np.cumsum(d) - d, d)
        yield child[edge], past[which] + weight[edge], count[which]
        begin = stop


def _merged(
    chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paths at one node with one past weight (to 1e-9) merged: their counts added."""
    to = np.concatenate([c[0] for c in chunks])
    value = np.concatenate([c[1] for c in chunks])
    weight_of = np.concatenate([c[2] for c in chunks])
    steps = np.round(value * 1e9).astype(np.int64)
    low = int(steps.min())
    span = int(steps.max()) - low + 1
    if span.bit_length() + int(to.max()).bit_length() > 62:  # one int64 key per path
        raise _TooLarge
    key = to.astype(np.int64) * span + (steps - low)
    order = np.argsort(key)
    key, to, value, weight_of = key[order], to[order], value[order], weight_of[order]
    new = np.ones(len(key), dtype=bool)
    new[1:] = key[1:] != key[:-1]
    first = np.flatnonzero(new)
    return to[first], value[first], np.add.reduceat(weight_of, first)


def _simulated(table: np.ndarray, draws: int, seed: int, reason: str) -> FisherRxC:
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    sample = random_table(rows, cols, seed=np.random.default_rng(seed)).rvs(size=draws)
    observed = -float(_lf(table).sum())
    hits = int(np.sum(-_lf(sample).sum(axis=(-2, -1)) <= observed + math.log(REL_ERR)))
    p = (1 + hits) / (draws + 1)  # as R: the observed table counts as one draw
    return FisherRxC(p, "simulated", draws, math.sqrt(p * (1 - p) / draws), reason)


def fisher_rxc(
    table: np.ndarray | list[list[int]],
    *,
    simulations: int = SIMULATIONS,
    seed: int = SEED,
) -> FisherRxC:
    """Two-sided Fisher's exact p-value of an r × c table of whole counts."""
    counts = count_table(table)
    if int(counts.sum()) > FISHER_MAX_N:  # decided from the counts, before anything is built
        raise StatsInputError(
            f"Fisher's exact test is not computed on more than {FISHER_MAX_N:,} responses;"
            " at such counts the chi-squared test is as accurate"
        )
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return FisherRxC(1.0, "exact")
    try:
        return FisherRxC(_exact(counts), "exact")
    except _TooLarge:
        reason = (
            f"the table ({counts.shape[0]}x{counts.shape[1]}, {int(counts.sum()):,} responses)"
            " has too many tables with its margins to enumerate"
        )
        return _simulated(counts, simulations, seed, reason)
