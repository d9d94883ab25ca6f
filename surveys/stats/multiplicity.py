"""Adjusted p-values for a family of comparisons, matching R's ``p.adjust``.

Holm controls the family-wise error rate (the chance of any false alarm);
Benjamini–Hochberg controls the expected share of false alarms among the
findings, which suits dashboards that test many items at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from surveys.stats.result import StatsInputError, TestResult

METHODS = ("holm", "BH")


def _checked(pvalues: Sequence[float]) -> np.ndarray:
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1 or np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise StatsInputError("p-values must be a flat list of numbers between 0 and 1")
    return p


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: R's ``p.adjust(p, "holm")``."""
    p = _checked(pvalues)
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(1.0, stepped)
    return [float(v) for v in out]


def benjamini_hochberg(pvalues: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg step-up adjustment: R's ``p.adjust(p, "BH")``."""
    p = _checked(pvalues)
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")[::-1]
    ranks = np.arange(m, 0, -1)
    stepped = np.minimum.accumulate(m / ranks * p[order])
    out = np.empty(m)
    out[order] = np.minimum(1.0, stepped)
    return [float(v) for v in out]


def adjust(pvalues: Sequence[float], method: str) -> list[float]:
    if method == "holm":
        return holm(pvalues)
    if method == "BH":
        return benjamini_hochberg(pvalues)
    raise StatsInputError(f"method must be one of {', '.join(METHODS)}; got {method!r}")


def adjust_family(results: Sequence[TestResult], method: str = "BH") -> list[TestResult]:
    """Copies of ``results`` with ``pvalue_adjusted`` set across the family.

    Results without a p-value are passed through unchanged and do not count
    towards the family size.
    """
    present = [(i, r.pvalue) for i, r in enumerate(results) if r.pvalue is not None]
    adjusted = adjust([p for _, p in present], method)
    label = {"holm": "Holm", "BH": "Benjamini-Hochberg"}[method]
    out = list(results)
    for (i, _), q in zip(present, adjusted, strict=True):
        out[i] = results[i].with_adjusted(q, f"{label}, {len(present)} comparisons")
    return out
