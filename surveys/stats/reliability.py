"""Internal consistency of a multi-item scale from sufficient statistics.

Everything here reads :class:`ItemMoments` (the count of complete responses,
each item's sum and the sums of cross-products), never the rows: the engine can
pool batches by adding moments, and nothing needs a response kept beside another.

- Cronbach's α = k/(k−1)·(1 − Σ s²ᵢ / s²_total), with Feldt's interval
  (1 − (1−α)·F quantiles on n−1 and (n−1)(k−1) degrees of freedom), as
  ``psych::alpha.ci``.
- McDonald's ω total from a one-factor maximum-likelihood model (as R's
  ``factanal``): ω = (Σ λᵢsᵢ)² / ((Σ λᵢsᵢ)² + Σ ψᵢs²ᵢ), the share of the raw
  sum score's variance that the common factor explains.

Whether a figure may be shown is :mod:`surveys.stats.reliability_release`'s
question; this module only computes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as sps

from surveys.stats.checks import between, finite
from surveys.stats.result import StatsInputError

__all__ = ["ItemMoments", "cronbach_alpha", "omega_total"]

#: The smallest uniqueness the factor model allows (R's factanal ``lower``).
LOWER_UNIQUENESS = 0.005
#: The largest answer taken: scale items answer from 0 to 10; squares stay exact.
MAX_ANSWER = 1e6


@dataclass(frozen=True)
class ItemMoments:
    """n complete responses to k items: Σx per item and Σxxᵀ (k×k)."""

    n: int
    sums: tuple[float, ...]
    cross: tuple[tuple[float, ...], ...]

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[float | None]], items: int) -> ItemMoments:
        """Moments of the rows with every item answered (a row with a gap is left out)."""
        sums = np.zeros(items)
        cross = np.zeros((items, items))
        n = 0
        for row in rows:
            if len(row) != items:
                raise StatsInputError(f"each row must have {items} answers, not {len(row)}")
            if any(v is None for v in row):
                continue
            x = np.array([finite(v, "answer") for v in row])
            if np.any(np.abs(x) > MAX_ANSWER):
                raise StatsInputError(f"answers beyond ±{MAX_ANSWER:g} are not scale answers")
            sums += x
            cross += np.outer(x, x)
            n += 1
        return cls(n, tuple(sums.tolist()), tuple(tuple(r) for r in cross.tolist()))

    @property
    def items(self) -> int:
        return len(self.sums)

    def __add__(self, other: ItemMoments) -> ItemMoments:
        if other.items != self.items:
            raise StatsInputError("moments of different numbers of items cannot be pooled")
        cross = np.array(self.cross) + np.array(other.cross)
        sums = np.array(self.sums) + np.array(other.sums)
        return ItemMoments(
            self.n + other.n, tuple(sums.tolist()), tuple(tuple(r) for r in cross.tolist())
        )

    def covariance(self) -> np.ndarray:
        """The items' sample covariance matrix (denominator n − 1)."""
        if self.n < 2:
            raise StatsInputError("reliability needs at least two complete responses")
        sums = np.array(self.sums)
        centred = np.array(self.cross) - np.outer(sums, sums) / self.n
        return np.asarray(centred / (self.n - 1))


def _items_and_total(cov: np.ndarray) -> tuple[int, float]:
    items = cov.shape[0]
    if not np.all(np.isfinite(cov)):
        raise StatsInputError("the answers are too large to compute reliability from")
    if items < 2:
        raise StatsInputError("reliability needs at least two items")
    total = float(cov.sum())
    if total <= 0 or np.any(np.diag(cov) <= 0):
        raise StatsInputError("every item and the total must vary to compute reliability")
    return items, total


def cronbach_alpha(
    moments: ItemMoments, *, level: float = 0.95
) -> tuple[float, tuple[float, float]]:
    """Cronbach's α and its Feldt interval at ``level``."""
    level = between(level, "level")
    cov = moments.covariance()
    items, total = _items_and_total(cov)
    alpha = items / (items - 1) * (1 - float(np.trace(cov)) / total)
    df1, df2 = moments.n - 1, (moments.n - 1) * (items - 1)
    tail = (1 - level) / 2
    low = 1 - (1 - alpha) * float(sps.f.ppf(1 - tail, df1, df2))
    high = 1 - (1 - alpha) * float(sps.f.ppf(tail, df1, df2))
    return alpha, (low, high)


def _objective(psi: np.ndarray, corr: np.ndarray) -> tuple[float, np.ndarray]:
    """factanal's ML discrepancy for one factor, and its gradient in the uniquenesses."""
    scale = 1 / np.sqrt(psi)
    values, vectors = np.linalg.eigh(corr * np.outer(scale, scale))
    rest = values[:-1]
    value = -float(np.sum(np.log(rest) - rest)) - 1 + corr.shape[0]
    load = np.sqrt(psi) * vectors[:, -1] * np.sqrt(max(values[-1] - 1, 0.0))
    gradient = (load**2 + psi - np.diag(corr)) / psi**2
    return value, gradient


def one_factor(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loadings and uniquenesses of the one-factor ML model of a correlation matrix."""
    start = np.clip((1 - 0.5 / corr.shape[0]) / np.diag(np.linalg.inv(corr)), LOWER_UNIQUENESS, 1)
    found = optimize.minimize(
        _objective,
        start,
        args=(corr,),
        jac=True,
        method="L-BFGS-B",
        bounds=[(LOWER_UNIQUENESS, 1.0)] * corr.shape[0],
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 2000},
    )
    psi = np.asarray(found.x)
    scale = 1 / np.sqrt(psi)
    values, vectors = np.linalg.eigh(corr * np.outer(scale, scale))
    loadings = np.sqrt(psi) * vectors[:, -1] * np.sqrt(max(values[-1] - 1, 0.0))
    if loadings.sum() < 0:
        loadings = -loadings
    return loadings, psi


def omega_total(moments: ItemMoments) -> float:
    """McDonald's ω total of the unit-weighted sum from a one-factor ML model."""
    cov = moments.covariance()
    items, _ = _items_and_total(cov)
    if items < 3:
        raise StatsInputError("omega needs at least three items (a one-factor model)")
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    if float(np.linalg.eigvalsh(corr)[0]) < 1e-8 or moments.n <= items:
        raise StatsInputError("omega needs items that are not linear combinations of each other")
    loadings, uniquenesses = one_factor(corr)
    common = float(np.sum(loadings * sd)) ** 2
    return common / (common + float(np.sum(uniquenesses * sd**2)))
