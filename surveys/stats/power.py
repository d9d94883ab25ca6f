"""Minimum detectable effect: could this comparison have found a moderate effect?

A non-significant result from two small groups says little. For the groups'
sizes we report the smallest standardised difference (Cohen's d) a two-sided
two-sample t-test at alpha 0.05 would detect with 80% power, and warn when that
is larger than a moderate effect (d = 0.5). The calculation matches R's
``pwr::pwr.t2n.test`` (noncentral t); for very large groups, where the
noncentral t and the normal agree to many digits, the normal formula is used.
"""

from __future__ import annotations

import math

from scipy import optimize
from scipy.stats import nct

from surveys.stats.checks import between, count, finite
from surveys.stats.distributions import norm_cdf, norm_ppf, norm_sf, t_ppf
from surveys.stats.result import StatsInputError

MODERATE_EFFECT = 0.5
_NORMAL_ABOVE_DF = 10_000


def _checked(d: float, n1: int, n2: int, alpha: float) -> tuple[float, int, int, float]:
    n1, n2 = count(n1, "n1"), count(n2, "n2")
    if n1 < 2 or n2 < 2:
        raise StatsInputError("each group needs at least two responses")
    return finite(d, "the effect size"), n1, n2, between(alpha, "alpha")


def power_two_sample(d: float, n1: int, n2: int, alpha: float = 0.05) -> float:
    """Power of the two-sided two-sample t-test to detect standardised effect ``d``."""
    d, n1, n2, alpha = _checked(d, n1, n2, alpha)
    df = n1 + n2 - 2
    ncp = d * math.sqrt(n1 * n2 / (n1 + n2))
    if df > _NORMAL_ABOVE_DF:
        z = norm_ppf(1 - alpha / 2)
        return norm_sf(z - ncp) + norm_cdf(-z - ncp)
    crit = t_ppf(1 - alpha / 2, df)
    power = float(nct.sf(crit, df, ncp) + nct.cdf(-crit, df, ncp))
    if not math.isfinite(power):  # nct gives NaN far in the tail, where power is ~1
        return 1.0 if abs(ncp) > crit else 0.0
    return power


def minimum_detectable_effect(n1: int, n2: int, power: float = 0.8, alpha: float = 0.05) -> float:
    """Smallest Cohen's d detected with ``power`` by a two-sided test at ``alpha``."""
    _, n1, n2, alpha = _checked(0.0, n1, n2, alpha)
    power = between(power, "the power")
    if power <= alpha:
        raise StatsInputError("the power must exceed alpha (no effect at all has that power)")
    scale = math.sqrt(1 / n1 + 1 / n2)
    if n1 + n2 - 2 > _NORMAL_ABOVE_DF:
        found = (norm_ppf(1 - alpha / 2) + norm_ppf(power)) * scale
        if not math.isfinite(found):
            raise StatsInputError("alpha and the power are too close to 0 or 1")
        return found

    def short(d: float) -> float:
        return power_two_sample(d, n1, n2, alpha) - power

    low, high = 1e-9, 50.0
    if not short(low) < 0 < short(high):
        raise StatsInputError(
            "no effect between 0 and 50 standard deviations has that power at these sizes"
        )
    return float(optimize.brentq(short, low, high, xtol=1e-10))


def power_note(n1: int, n2: int) -> tuple[float, str | None]:
    """The minimum detectable effect and, when it exceeds d = 0.5, a warning note."""
    mde = minimum_detectable_effect(n1, n2)
    if mde <= MODERATE_EFFECT:
        return mde, None
    return mde, (
        f"With {n1} and {n2} responses this comparison has 80% power only for "
        f"differences of at least d = {mde:.2f} standard deviations, so it could "
        f"easily miss a moderate effect (d = {MODERATE_EFFECT}); a non-significant "
        f"result is not evidence of no difference."
    )


def power_extras(n1: int, n2: int, notes: list[str]) -> dict[str, float]:
    """A result's ``minimum_detectable_effect`` extra; appends power_note's warning to ``notes``."""
    if n1 < 2 or n2 < 2:
        return {}
    mde, note = power_note(n1, n2)
    if note:
        notes.append(note)
    return {"minimum_detectable_effect": mde}
