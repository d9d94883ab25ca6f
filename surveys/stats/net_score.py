"""Net score of a 0-10 "would you recommend" item (NPS, or eNPS for employees).

Answers 9-10 are *promoters*, 7-8 *passives* and 0-6 *detractors*; the net
score is the share of promoters minus the share of detractors, from -100 to
+100 (points, not a percentage of anyone).

**Interval.** Each answer scores +1 (promoter), 0 (passive) or -1
(detractor), so the net score is the mean of a trinomial variable whose
variance is ``p_pro + p_det - (p_pro - p_det)^2`` -- the variance of the
difference of two proportions of one multinomial sample,
``p_pro(1-p_pro)/n + p_det(1-p_det)/n + 2 p_pro p_det / n``. The interval is
the *adjusted Wald* interval of Rocks (2016, "Interval estimation for the Net
Promoter Score", The American Statistician 70(4)): add 3/4 to the promoters
and to the detractors and 3 to n (so 3/2 to the passives), then take the Wald
interval of the adjusted net score with that variance, clipped to [-1, 1].
The adjustment keeps the interval from collapsing to a point when everyone
falls in one group (the plain Wald interval would claim certainty from five
promoters), and Rocks found it near nominal coverage down to small samples.
``adjustment=0`` gives the plain Wald interval (tests check it against the
textbook variance of the trinomial mean). The reported score itself is the
unadjusted one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from surveys.stats.checks import between, count, finite
from surveys.stats.checks import histogram as checked_histogram
from surveys.stats.distributions import norm_ppf
from surveys.stats.result import StatsInputError

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
#: Rocks' adjusted Wald: this much is added to promoters and to detractors, 4x it to n.
ADJUSTMENT = 0.75


@dataclass(frozen=True)
class NetScore:
    """Counts per group, the net score (-100..100) and its interval (points)."""

    promoters: int
    passives: int
    detractors: int
    score: float
    interval: tuple[float, float]

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors


def net_score_groups(histogram: Mapping[float, int]) -> tuple[int, int, int]:
    """(promoters, passives, detractors) of a 0-10 histogram (answer -> count)."""
    promoters = passives = detractors = 0
    for value, answered in checked_histogram(histogram, "answers").items():
        if value != int(value) or not 0 <= value <= 10:
            raise StatsInputError(f"a 0-10 histogram holds whole answers 0 to 10, not {value!r}")
        if value >= PROMOTER_MIN:
            promoters += answered
        elif value <= DETRACTOR_MAX:
            detractors += answered
        else:
            passives += answered
    return promoters, passives, detractors


def net_score_interval(
    promoters: int,
    passives: int,
    detractors: int,
    confidence_level: float = 0.95,
    adjustment: float = ADJUSTMENT,
) -> tuple[float, float]:
    """Interval of the net score on the -1..1 scale (see the module docstring)."""
    promoters = count(promoters, "promoters")
    passives = count(passives, "passives")
    detractors = count(detractors, "detractors")
    if promoters + passives + detractors == 0:
        raise StatsInputError("a net score needs at least one answer")
    confidence_level = between(confidence_level, "the confidence level")
    adjustment = finite(adjustment, "the adjustment")
    if adjustment < 0:
        raise StatsInputError("the adjustment must not be negative")
    n = promoters + passives + detractors + 4 * adjustment
    p_pro = (promoters + adjustment) / n
    p_det = (detractors + adjustment) / n
    centre = p_pro - p_det
    variance = max(0.0, p_pro + p_det - centre**2) / n
    half = norm_ppf(1 - (1 - confidence_level) / 2) * math.sqrt(variance)
    return max(-1.0, centre - half), min(1.0, centre + half)


def net_score(histogram: Mapping[float, int], confidence_level: float = 0.95) -> NetScore:
    """The net score of a 0-10 histogram, in points (-100..100), with its interval."""
    promoters, passives, detractors = net_score_groups(histogram)
    low, high = net_score_interval(promoters, passives, detractors, confidence_level)
    n = promoters + passives + detractors
    return NetScore(
        promoters,
        passives,
        detractors,
        100.0 * (promoters - detractors) / n,
        (100.0 * low, 100.0 * high),
    )
