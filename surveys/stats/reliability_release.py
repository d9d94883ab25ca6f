"""When a scale's α and ω may be shown: the release rule for reliability.

Rule (PRODUCT.md 2.3 for reliability): α and ω are released only

1. for a pooled group of at least ``max(3k, 30)`` complete responses
   (:func:`minimum_pool`); and
2. when every earlier release that could overlap it (``previous``: the same
   scope, or a scope nested in it or holding it, e.g. one climate round and
   all rounds together; the caller chooses them) rests on the same data or on
   a number of responses at least k away. Two successive releases whose
   groups differ by fewer than k people are refused, so no difference of two
   released figures isolates fewer than k people's answers: a pooled α that
   changes when one person joins is never shown.

Only α with its interval, ω and n leave: never the item covariance matrix, the
item variances or means (they are k(k+1)/2 + k numbers about the same people,
and with several pools they would pin answers down).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from surveys.stats.reliability import ItemMoments, cronbach_alpha, omega_total
from surveys.stats.result import StatsInputError

__all__ = ["Release", "ReleaseRefused", "Reliability", "minimum_pool", "release_reliability"]

POOL_FLOOR = 30
POOL_MULTIPLE_OF_K = 3


class ReleaseRefused(StatsInputError):
    """The rule forbids showing this reliability; the message says which part."""


def minimum_pool(k: int) -> int:
    """The fewest complete responses α and ω are shown for: max(3k, 30)."""
    return max(POOL_MULTIPLE_OF_K * k, POOL_FLOOR)


@dataclass(frozen=True)
class Release:
    """What is remembered of a release, to judge the next one: n and a digest."""

    scope: str
    n: int
    digest: str


@dataclass(frozen=True)
class Reliability:
    """A released reliability: the only numbers that leave the engine."""

    scope: str
    items: int
    n: int
    alpha: float
    alpha_ci: tuple[float, float]
    omega: float | None
    level: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "items": self.items,
            "n": self.n,
            "alpha": self.alpha,
            "alpha_ci": list(self.alpha_ci),
            "alpha_interval": "Feldt",
            "omega_total": self.omega,
            "level": self.level,
        }


def _digest(scope: str, moments: ItemMoments) -> str:
    data = json.dumps([scope, moments.n, moments.sums, moments.cross])
    return hashlib.sha256(data.encode()).hexdigest()


def release_reliability(
    scope: str,
    moments: ItemMoments,
    *,
    k: int,
    previous: Iterable[Release] = (),
    level: float = 0.95,
) -> tuple[Reliability, Release]:
    """α (Feldt interval) and ω for ``moments`` if the rule allows, and the record to keep.

    ``previous``: the earlier releases whose groups may overlap this one's.
    Raises :class:`ReleaseRefused` naming the rule that failed.
    """
    if k < 2:
        raise StatsInputError(f"k must be at least 2, not {k}")
    floor = minimum_pool(k)
    if moments.n < floor:
        raise ReleaseRefused(
            f"{scope}: reliability is shown for at least {floor} complete responses "
            f"(max(3k, 30) with k = {k}); this pool has fewer"
        )
    digest = _digest(scope, moments)
    for earlier in previous:
        if earlier.scope == scope and earlier.digest == digest:
            continue
        if abs(moments.n - earlier.n) < k:
            raise ReleaseRefused(
                f"{scope}: an earlier release ({earlier.scope}) rests on a group fewer than "
                f"k = {k} people away from this one; their difference could reveal a person"
            )
    alpha, ci = cronbach_alpha(moments, level=level)
    omega = omega_total(moments) if moments.items >= 3 else None
    result = Reliability(scope, moments.items, moments.n, alpha, ci, omega, level)
    return result, Release(scope, moments.n, digest)
