"""Differentially private aggregates of one climate round, with OpenDP.

A round is the dataset: each person holds at most one invitation per round and
each link answers once, so one person contributes at most one response (the
contribution bound is structural). Per cohort (the values of one attribute,
all listed, empty ones too, since leaving one out would say it is empty) the
release is the number of responses and, per scalar question, the number of
answers and the sum of answers clamped to the question's range, each with
discrete Laplace noise. Cohorts are disjoint (parallel composition), so the
requested epsilon is split only over the measurements of one cohort. A mean
is a noisy sum over a noisy count, so its accuracy is approximate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from surveys.definitions import SurveyDefinition

if TYPE_CHECKING:
    import opendp.prelude as opendp_types


@cache
def _opendp() -> Any:
    """OpenDP, loaded on first use: web processes, which only take requests and check
    budgets with the constants below, never pay for importing it."""
    import opendp.prelude as opendp

    opendp.enable_features("contrib")
    return opendp


#: Total epsilon a dataset (one round) may ever spend.
DEFAULT_DATASET_BUDGET = 2.0
MIN_EPSILON, MAX_EPSILON = 0.01, 1.0
ALPHA = 0.05


@dataclass(frozen=True)
class Released:
    cohort: str
    question: str  # "" for the cohort's response count
    statistic: str  # "count", "answers" or "mean"
    value: float
    #: Half-width of the 95% interval around the true value.
    accuracy_95: float
    epsilon: float
    note: str = ""


def _laplace(sensitivity: int, epsilon: float) -> tuple[opendp_types.Measurement, float]:
    dp = _opendp()
    scale = sensitivity / epsilon
    measurement = dp.m.make_laplace(
        dp.atom_domain(T="i64"), dp.absolute_distance(T="i64"), scale=scale
    )
    spent = float(measurement.map(sensitivity))
    if spent > epsilon * (1 + 1e-9):
        raise ValueError(f"measurement spends {spent}, more than {epsilon}")
    return measurement, dp.discrete_laplacian_scale_to_accuracy(scale, ALPHA)


def measurements_per_cohort(definition: SurveyDefinition) -> int:
    return 1 + 2 * sum(1 for q in definition.questions if q.is_scalar)


def release(
    definition: SurveyDefinition,
    cohorts: Sequence[str],
    counts: Mapping[str, int],
    histograms: Mapping[tuple[str, str], Mapping[int, int]],
    epsilon: float,
) -> list[Released]:
    """Noisy counts and means per cohort; ``histograms[(cohort, question)]`` = value -> count."""
    each = epsilon / measurements_per_cohort(definition)
    count_m, count_acc = _laplace(1, each)
    out: list[Released] = []
    for cohort in cohorts:
        noisy_n = int(count_m(int(counts.get(cohort, 0))))
        out.append(Released(cohort, "", "count", max(noisy_n, 0), count_acc, each))
        for q in definition.questions:
            if not q.is_scalar:
                continue
            lo, hi = q.value_range
            histogram = histograms.get((cohort, q.key), {})
            answered = sum(histogram.values())
            clamped = sum(min(max(v, lo), hi) * c for v, c in histogram.items())
            sum_m, sum_acc = _laplace(max(abs(lo), abs(hi)), each)
            noisy_answers = max(int(count_m(answered)), 0)
            noisy_sum = int(sum_m(clamped))
            out.append(Released(cohort, q.key, "answers", noisy_answers, count_acc, each))
            if noisy_answers <= 0:
                mean, accuracy, note = float("nan"), float("inf"), "no answers after noise"
            else:
                mean = min(max(noisy_sum / noisy_answers, lo), hi)
                accuracy = min((sum_acc + abs(mean) * count_acc) / noisy_answers, hi - lo)
                note = "approximate accuracy (noisy sum over noisy count)"
            out.append(Released(cohort, q.key, "mean", mean, accuracy, 2 * each, note))
    return out
