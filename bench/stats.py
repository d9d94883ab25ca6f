"""Histogram path vs SciPy on raw arrays, 1,000,000 Likert (1-5) responses per group.

Flipside stores each item's answers as counts per value; this benchmark shows
what that buys. For Welch's t, Mann-Whitney and Brunner-Munzel it times the
engine working from two histograms against SciPy on the expanded raw arrays,
prints both times (best of a few repeats), their ratio and the largest relative
difference in p-value. It prints figures only; nothing here is asserted.

Run: python bench/stats.py [--n 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.stats as st

from surveys.stats import (
    brunner_munzel_from_counts,
    mann_whitney_from_counts,
    welch_t_from_counts,
)

LIKERT = np.arange(1, 6)


def best_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="responses per group")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(20250501)
    x = rng.choice(LIKERT, size=args.n, p=[0.10, 0.15, 0.30, 0.30, 0.15]).astype(np.float64)
    y = rng.choice(LIKERT, size=args.n, p=[0.09, 0.15, 0.30, 0.31, 0.15]).astype(np.float64)
    hx = dict(
        zip(LIKERT.tolist(), np.bincount(x.astype(np.int64), minlength=6)[1:].tolist(), strict=True)
    )
    hy = dict(
        zip(LIKERT.tolist(), np.bincount(y.astype(np.int64), minlength=6)[1:].tolist(), strict=True)
    )

    cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        ("welch", lambda: welch_t_from_counts(hx, hy), lambda: st.ttest_ind(x, y, equal_var=False)),
        (
            "mwu",
            lambda: mann_whitney_from_counts(hx, hy),
            lambda: st.mannwhitneyu(x, y, method="asymptotic", use_continuity=True),
        ),
        (
            "brunner-munzel",
            lambda: brunner_munzel_from_counts(hx, hy),
            lambda: st.brunnermunzel(x, y),
        ),
    ]
    print(f"{args.n:,} Likert responses per group; best of {args.repeats} runs each")
    print(
        f"{'test':<16}{'histogram (s)':>15}{'scipy raw (s)':>15}{'speed-up':>11}"
        f"{'p (histogram)':>16}{'rel. diff p':>13}"
    )
    total_hist = total_raw = 0.0
    worst = 0.0
    for name, ours, theirs in cases:
        t_hist, result = best_time(ours, args.repeats)
        t_raw, reference = best_time(theirs, args.repeats)
        total_hist += t_hist
        total_raw += t_raw
        rel = abs(result.pvalue - reference.pvalue) / abs(reference.pvalue)
        worst = max(worst, rel)
        print(
            f"{name:<16}{t_hist:>15.6f}{t_raw:>15.4f}{t_raw / t_hist:>10.0f}x"
            f"{result.pvalue:>16.6g}{rel:>13.2e}"
        )
    print(f"{'all three':<16}{total_hist:>15.6f}{total_raw:>15.4f}{total_raw / total_hist:>10.0f}x")
    print(
        f"largest relative difference in p-value: {worst:.2e} (target < 1e-9); "
        f"overall speed-up {total_raw / total_hist:.0f}x (target >= 50x)"
    )


if __name__ == "__main__":
    main()
