"""The one result type every statistical test returns, and the errors it raises.

A :class:`TestResult` carries what PRODUCT.md 2.5 promises for every
comparison: the test's name, statistic, degrees of freedom, p-value (adjusted
when part of a family), group sizes, an effect size with its interval, notes on
assumptions and one plain-English sentence. ``to_dict()`` gives plain JSON
values (``None`` in place of NaN) so the web layer and the CLI can serialise it
without knowing about NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "EffectSize",
    "GroupTooSmall",
    "StatsInputError",
    "TestResult",
    "check_group_sizes",
    "jsonable",
    "require_finite",
]


class StatsInputError(ValueError):
    """The data cannot be analysed as asked (too few groups, no variation...)."""


class GroupTooSmall(StatsInputError):
    """A group holds fewer people than the minimum group size k.

    Below k a result could single people out, so no test is run at all.
    """

    def __init__(self, group: str, n: int, k: int) -> None:
        self.group, self.n, self.k = group, n, k
        super().__init__(
            f"group {group!r} has {n} response{'s' if n != 1 else ''}, "
            f"below the minimum group size of {k}; no test was run"
        )


def check_group_sizes(n: Mapping[str, int], min_group_size: int) -> None:
    """Refuse (raise :class:`GroupTooSmall`) when any group is below ``min_group_size``."""
    if min_group_size < 1:
        raise StatsInputError(f"min_group_size must be at least 1, got {min_group_size}")
    for label, size in n.items():
        if size < min_group_size:
            raise GroupTooSmall(label, size, min_group_size)


def require_finite(*values: float) -> None:
    """Refuse when the arithmetic has overflowed (values near 1e308 and the like).

    An infinite variance makes t zero and p one: a confident sentence about
    nothing. Refusing is the only honest answer.
    """
    if not all(math.isfinite(v) for v in values):
        raise StatsInputError(
            "the values are too large to analyse (the arithmetic overflows); rescale them"
        )


@dataclass(frozen=True)
class EffectSize:
    """A named effect size (Hedges' g, Cliff's delta, Cramér's V...) and its interval."""

    name: str
    value: float | None
    ci: tuple[float, float] | None = None


@dataclass(frozen=True)
class TestResult:
    """Everything a reader needs to judge one comparison.

    ``statistic`` and ``df`` follow R's conventions (``t.test``, ``wilcox.test``'s
    W and V, ``chisq.test``, ``survdiff``). ``ci`` is the interval of
    ``estimate`` where R gives one. ``extras`` holds test-specific detail such
    as Kaplan–Meier steps or pairwise follow-ups.
    """

    __test__ = False  # keeps pytest from collecting this class as a test

    test: str
    statistic: float | None
    pvalue: float | None
    n: dict[str, int]
    summary: str
    df: float | None = None
    pvalue_adjusted: float | None = None
    effect_size: EffectSize | None = None
    ci: tuple[float, float] | None = None
    estimate: float | None = None
    alternative: str = "two-sided"
    confidence_level: float = 0.95
    notes: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def with_adjusted(self, pvalue_adjusted: float, method: str) -> TestResult:
        """A copy marked as one member of a family of comparisons."""
        return replace(
            self,
            pvalue_adjusted=pvalue_adjusted,
            notes=[*self.notes, f"p-value adjusted for multiple comparisons ({method})."],
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values; NaN and infinities become ``None``."""
        effect = None
        if self.effect_size is not None:
            effect = {
                "name": self.effect_size.name,
                "value": self.effect_size.value,
                "ci": self.effect_size.ci,
            }
        data: dict[str, Any] = {
            "test": self.test,
            "statistic": self.statistic,
            "df": self.df,
            "pvalue": self.pvalue,
            "pvalue_adjusted": self.pvalue_adjusted,
            "alternative": self.alternative,
            "n": dict(self.n),
            "effect_size": effect,
            "estimate": self.estimate,
            "ci": self.ci,
            "confidence_level": self.confidence_level,
            "notes": list(self.notes),
            "summary": self.summary,
        }
        for key, value in self.extras.items():
            data.setdefault(key, value)
        converted = jsonable(data)
        assert isinstance(converted, dict)
        return converted


def jsonable(value: Any) -> Any:
    """Convert NumPy scalars, tuples and non-finite floats to plain JSON values."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # NumPy scalars and arrays
        return jsonable(value.tolist())
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    raise TypeError(f"cannot serialise {type(value).__name__} as JSON")
