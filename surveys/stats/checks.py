"""Input checks shared by the public functions: one error type, one plain message.

Every public function of :mod:`surveys.stats` refuses what it cannot analyse
with :class:`surveys.stats.result.StatsInputError` (a ValueError), before any
arithmetic: NaN and infinities, negative or fractional counts (never truncated:
2.5 people is a mistake upstream, not 2), empty input, and counts beyond
:data:`MAX_COUNT`, where floating point stops counting exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from surveys.stats.result import StatsInputError

#: The largest count analysed: every whole number up to it is exact in a float.
MAX_COUNT = 2**53


def count(value: Any, name: str) -> int:
    """``value`` as a whole number of at least 0 (a count of people or answers)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StatsInputError(f"{name} must be a whole number, not {value!r}") from None
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise StatsInputError(f"{name}: {value!r} is not a whole number of at least 0")
    if number > MAX_COUNT:
        raise StatsInputError(f"{name} is too large to analyse ({value!r})")
    return int(number)


def finite(value: Any, name: str) -> float:
    """``value`` as a finite number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StatsInputError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise StatsInputError(f"{name} must be a finite number, not {value!r}")
    return number


def between(value: Any, name: str, *, low: float = 0.0, high: float = 1.0) -> float:
    """``value`` strictly between ``low`` and ``high`` (a confidence level, α, power)."""
    number = finite(value, name)
    if not low < number < high:
        raise StatsInputError(f"{name} must lie between {low:g} and {high:g}, not {value!r}")
    return number


def histogram(hist: Mapping[Any, Any], label: str) -> dict[float, int]:
    """A histogram (answer -> count) with finite answers and whole counts."""
    if not isinstance(hist, Mapping):
        raise StatsInputError(f"group {label!r}: a histogram maps answers to counts")
    found: dict[float, int] = {}
    for value, number in hist.items():
        answer = finite(value, f"group {label!r}: answer")
        found[answer] = found.get(answer, 0) + count(number, f"group {label!r}: count of {value!r}")
    return found


def count_table(table: Any) -> np.ndarray:
    """``table`` as a 2-D array of whole, finite, non-negative counts."""
    try:
        cells = np.asarray(table, dtype=np.float64)
    except (TypeError, ValueError):
        raise StatsInputError("a table must be rows of counts of equal length") from None
    if cells.ndim != 2 or cells.size == 0:
        raise StatsInputError("a table must be a non-empty grid of rows and columns")
    if not np.all(np.isfinite(cells)):
        raise StatsInputError("table counts must be finite numbers (no NaN or infinity)")
    if np.any(cells < 0) or np.any(cells != np.round(cells)):
        raise StatsInputError("table counts must be whole numbers, not negative")
    if np.any(cells > MAX_COUNT) or float(cells.sum()) > MAX_COUNT:
        raise StatsInputError("the table's counts are too large to analyse")
    return cells.astype(np.int64)
