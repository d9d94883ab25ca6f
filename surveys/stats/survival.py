"""Time-to-event outcomes from HR dates: Kaplan–Meier curves and the log-rank test.

Time to leaving or to promotion is censored at the data date for people who
have not (yet) left or been promoted. Curves come from ``scipy.stats.ecdf`` on
``CensoredData`` with log-log ("exponential Greenwood") intervals; R's survfit
defaults to log intervals, so survival estimates match R exactly and the
interval ends may differ slightly. The log-rank statistic is R's ``survdiff``
chi-square with k − 1 df; for two groups the hazard ratio comes from a Cox
model (R's coxph with Efron ties) with its Wald interval, see
:mod:`surveys.stats.cox`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.stats import CensoredData, ecdf

from surveys.stats.cox import cox_binary
from surveys.stats.distributions import chi2_sf, norm_ppf
from surveys.stats.ranks import FloatArray
from surveys.stats.result import EffectSize, StatsInputError, TestResult, check_group_sizes
from surveys.stats.wording import chance_clause, fmt_ci, fmt_num, on_outcome

SurvivalGroups = Mapping[str, tuple[Sequence[float], Sequence[int]]]


def _checked(
    label: str, times: Sequence[float], events: Sequence[int]
) -> tuple[FloatArray, FloatArray]:
    t = np.asarray(times, dtype=np.float64)
    e = np.asarray(events, dtype=np.float64)
    if t.ndim != 1 or t.shape != e.shape:
        raise StatsInputError(f"group {label!r}: times and events must have the same length")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise StatsInputError(f"group {label!r}: times must be non-negative numbers")
    if not np.all((e == 0) | (e == 1)):
        raise StatsInputError(f"group {label!r}: event must be 1 (happened) or 0 (censored)")
    return t, e


def kaplan_meier(
    times: FloatArray, events: FloatArray, confidence_level: float = 0.95
) -> tuple[list[list[float]], list[list[float | None]], list[str]]:
    """KM steps [time, survival] at event times, their intervals, and any warnings."""
    if not np.any(events == 1):
        return [], [], ["No events in this group: its curve stays at 1."]
    data = CensoredData(uncensored=times[events == 1], right=times[events == 0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sf = ecdf(data).sf
        band = sf.confidence_interval(confidence_level, method="log-log")
    event_times = set(times[events == 1].tolist())
    keep = np.array([q in event_times for q in sf.quantiles.tolist()])
    steps = [
        [float(t), float(s)]
        for t, s in zip(sf.quantiles[keep], sf.probabilities[keep], strict=True)
    ]
    lows, highs = band.low.probabilities[keep], band.high.probabilities[keep]
    ci = [
        [float(t), _finite(lo), _finite(hi)]
        for t, lo, hi in zip(sf.quantiles[keep], lows, highs, strict=True)
    ]
    notes = []
    if caught:  # SciPy warns where the log-log interval is undefined (survival 0 or 1)
        notes.append(
            "The Kaplan-Meier interval is undefined where survival reaches 0 or 1; "
            "those ends are shown as null."
        )
    return steps, ci, notes


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def logrank(
    data: Mapping[str, tuple[FloatArray, FloatArray]],
) -> tuple[float, int, dict[str, float], dict[str, float]]:
    """R's survdiff chi-square, df, and observed / expected events per group."""
    labels = list(data)
    all_t = np.concatenate([data[g][0] for g in labels])
    all_e = np.concatenate([data[g][1] for g in labels])
    event_times = np.unique(all_t[all_e == 1])
    k = len(labels)
    at_risk = np.empty((k, len(event_times)))
    deaths = np.empty((k, len(event_times)))
    for i, g in enumerate(labels):
        t, e = data[g]
        sorted_t = np.sort(t)
        at_risk[i] = len(t) - np.searchsorted(sorted_t, event_times, side="left")
        dead = np.sort(t[e == 1])
        deaths[i] = np.searchsorted(dead, event_times, side="right") - np.searchsorted(
            dead, event_times, side="left"
        )
    n_tot, d_tot = at_risk.sum(axis=0), deaths.sum(axis=0)
    observed = deaths.sum(axis=1)
    expected = (at_risk * d_tot / n_tot).sum(axis=1)
    factor = np.where(n_tot > 1, d_tot * (n_tot - d_tot) / np.maximum(n_tot - 1, 1), 0.0)
    share = at_risk / n_tot
    var = np.einsum("t,it,jt->ij", factor, share, -share)
    var[np.diag_indices(k)] += (factor * share).sum(axis=1)
    diff = (observed - expected)[:-1]
    stat = float(diff @ np.linalg.solve(var[:-1, :-1], diff)) if k > 1 else 0.0
    return (
        stat,
        k - 1,
        dict(zip(labels, observed.tolist(), strict=True)),
        dict(zip(labels, expected.tolist(), strict=True)),
    )


def survival_comparison(
    groups: SurvivalGroups,
    *,
    confidence_level: float = 0.95,
    min_group_size: int = 5,
    outcome: str | None = None,
) -> TestResult:
    """Kaplan–Meier per group and the log-rank (survdiff) test across groups."""
    if len(groups) < 2:
        raise StatsInputError("a survival comparison needs at least two groups")
    data = {g: _checked(g, t, e) for g, (t, e) in groups.items()}
    check_group_sizes({g: len(t) for g, (t, _) in data.items()}, min_group_size)
    if not any(np.any(e == 1) for _, e in data.values()):
        raise StatsInputError("no events in any group; there is nothing to compare")
    notes: list[str] = [
        "Log-rank test as R's survdiff (rho = 0); Kaplan-Meier intervals are "
        "log-log (R's survfit default is log)."
    ]
    km: dict[str, Any] = {}
    km_ci: dict[str, Any] = {}
    for g, (t, e) in data.items():
        km[g], km_ci[g], more = kaplan_meier(t, e, confidence_level)
        notes += [f"{g}: {m}" for m in more]
    try:
        stat, df, observed, expected = logrank(data)
    except np.linalg.LinAlgError:
        raise StatsInputError(
            "the log-rank variance is singular; groups cannot be compared"
        ) from None
    p = chi2_sf(stat, df)
    effect = None
    labels = list(data)
    fit = cox_binary(*data[labels[0]], *data[labels[1]]) if len(labels) == 2 else None
    if len(labels) == 2 and fit is None:
        notes.append(
            "No hazard ratio: the Cox model has no finite estimate (the events fall "
            "so that one group's ratio would be zero or infinite)."
        )
    if fit is not None:
        a, b = labels
        hr, ci = fit.hazard_ratio, fit.interval(norm_ppf(1 - (1 - confidence_level) / 2))
        effect = EffectSize("hazard ratio (Cox model, Wald interval)", hr, ci)
        notes.append(
            f"Hazard ratio of {a} vs {b} from a Cox proportional hazards model "
            "(Efron ties, as R's coxph) with its Wald interval exp(beta ± z se)."
        )
        pace = "sooner" if hr > 1 else "later"
        summary = (
            f"{a} reached the outcome{on_outcome(outcome)} {pace} than {b} (hazard ratio "
            f"{fmt_num(hr)}{fmt_ci(ci, confidence_level).replace(' (', ', ', 1)[:-1]}); "
            f"{chance_clause(p, 'a gap this large')}."
        )
    else:
        summary = (
            f"Across the {len(labels)} groups{on_outcome(outcome)}, "
            f"{chance_clause(p, 'differences in timing this large')}."
        )
    return TestResult(
        test="Log-rank test (R's survdiff)",
        statistic=stat,
        df=float(df),
        pvalue=p,
        n={g: len(t) for g, (t, _) in data.items()},
        effect_size=effect,
        confidence_level=confidence_level,
        notes=notes,
        summary=summary,
        extras={
            "km": km,
            "km_ci": km_ci,
            "observed": observed,
            "expected": expected,
            **({"cox": {"coef": fit.beta, "se": fit.se}} if fit is not None else {}),
        },
    )
