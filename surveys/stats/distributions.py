"""Tail probabilities and quantiles straight from ``scipy.special``.

``scipy.stats`` distribution objects add tens of microseconds of argument
checking per call; a comparison from histograms needs only a handful of these
numbers, so calling the underlying special functions keeps it in microseconds.
They are the same routines ``scipy.stats`` uses, so results are identical.
"""

from __future__ import annotations

from scipy import special


def t_cdf(x: float, df: float) -> float:
    return float(special.stdtr(df, x))


def t_sf(x: float, df: float) -> float:
    return float(special.stdtr(df, -x))


def t_ppf(q: float, df: float) -> float:
    return float(special.stdtrit(df, q))


def norm_cdf(z: float) -> float:
    return float(special.ndtr(z))


def norm_sf(z: float) -> float:
    return float(special.ndtr(-z))


def norm_ppf(q: float) -> float:
    return float(special.ndtri(q))


def chi2_sf(x: float, df: float) -> float:
    return float(special.chdtrc(df, x))
