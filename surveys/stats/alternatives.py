"""The alternative hypothesis, and what it does to a t-based p-value and interval.

Shared by every test that takes R's ``alternative`` ("two-sided", "less", "greater").
"""

from __future__ import annotations

import math

from surveys.stats.distributions import t_cdf, t_ppf, t_sf
from surveys.stats.result import StatsInputError

ALTERNATIVES: tuple[str, ...] = ("two-sided", "less", "greater")


def check_alternative(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        raise StatsInputError(
            f"alternative must be one of {', '.join(ALTERNATIVES)}; got {alternative!r}"
        )


def p_from_t(stat: float, df: float, alternative: str) -> float:
    if alternative == "less":
        return t_cdf(stat, df)
    if alternative == "greater":
        return t_sf(stat, df)
    return min(1.0, 2 * t_sf(abs(stat), df))


def t_interval(
    estimate: float, se: float, df: float, alternative: str, level: float
) -> tuple[float, float]:
    """R's t.test confidence interval (one-sided alternatives give a half-line)."""
    if alternative == "less":
        return (-math.inf, estimate + t_ppf(level, df) * se)
    if alternative == "greater":
        return (estimate - t_ppf(level, df) * se, math.inf)
    half = t_ppf(1 - (1 - level) / 2, df) * se
    return (estimate - half, estimate + half)
