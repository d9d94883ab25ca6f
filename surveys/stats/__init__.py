"""Flipside's comparison engine: pure functions returning one :class:`TestResult`.

Reliability (Cronbach's α, McDonald's ω, from ``reliability``) has its own
release rule, at least max(3k, 30) people (``reliability_release``).

Numbers follow R's conventions so researchers can check them (``t.test`` is
Welch, ``wilcox.test`` reports W and V with R's exact/continuity rules,
``chisq.test`` applies Yates on 2×2, log-rank is ``survdiff``). No test runs on
a group smaller than ``min_group_size``; callers pass the configured k.
"""

from __future__ import annotations

from surveys.stats.categorical import contingency_test, proportion_favourable, wilson_interval
from surveys.stats.did import difference_in_differences
from surveys.stats.histogram import (
    brunner_munzel_from_counts,
    chi_square_from_counts,
    kruskal_from_counts,
    mann_whitney_from_counts,
    welch_t_from_counts,
    welch_t_from_moments,
)
from surveys.stats.k_sample import kruskal_wallis
from surveys.stats.matching import (
    Matching,
    Person,
    coarsened_exact_match,
    matched_comparison,
    tenure_band,
)
from surveys.stats.multiplicity import adjust, adjust_family, benjamini_hochberg, holm
from surveys.stats.net_score import NetScore, net_score, net_score_groups, net_score_interval
from surveys.stats.paired import paired_t, wilcoxon_signed_rank
from surveys.stats.power import minimum_detectable_effect, power_two_sample
from surveys.stats.reliability import ItemMoments, cronbach_alpha, omega_total
from surveys.stats.reliability_release import ReleaseRefused, minimum_pool, release_reliability
from surveys.stats.result import (
    EffectSize,
    GroupTooSmall,
    StatsInputError,
    TestResult,
    check_group_sizes,
)
from surveys.stats.survival import survival_comparison
from surveys.stats.two_sample import ALTERNATIVES, brunner_munzel, hedges_g, mann_whitney, welch_t
from surveys.stats.weighted import weighted_welch

__all__ = [
    "ALTERNATIVES",
    "EffectSize",
    "GroupTooSmall",
    "ItemMoments",
    "Matching",
    "NetScore",
    "Person",
    "ReleaseRefused",
    "StatsInputError",
    "TestResult",
    "adjust",
    "adjust_family",
    "benjamini_hochberg",
    "brunner_munzel",
    "brunner_munzel_from_counts",
    "check_group_sizes",
    "chi_square_from_counts",
    "coarsened_exact_match",
    "contingency_test",
    "cronbach_alpha",
    "difference_in_differences",
    "hedges_g",
    "holm",
    "kruskal_from_counts",
    "kruskal_wallis",
    "mann_whitney",
    "mann_whitney_from_counts",
    "matched_comparison",
    "minimum_detectable_effect",
    "minimum_pool",
    "net_score",
    "net_score_groups",
    "net_score_interval",
    "omega_total",
    "paired_t",
    "power_two_sample",
    "proportion_favourable",
    "release_reliability",
    "survival_comparison",
    "tenure_band",
    "weighted_welch",
    "welch_t",
    "welch_t_from_counts",
    "welch_t_from_moments",
    "wilcoxon_signed_rank",
    "wilson_interval",
]
