"""What a differential case is, and how one is compared with R's answer."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest

#: Relative tolerance against R; absolute floor for values that are (nearly) zero.
REL = 1e-6
ABS = 1e-10


@dataclass(frozen=True)
class Case:
    """One seeded case: R code whose ``out`` line is compared with Flipside's numbers.

    ``r`` is an R expression giving a numeric vector; ``ours`` returns the same
    quantities, in the same order, from Flipside (``None`` where R gives NA).
    """

    id: str
    r: str
    ours: Callable[[], Sequence[float | None]]
    rel: float = REL
    abs: float = ABS


def r_lines(cases: Sequence[Case]) -> list[str]:
    """The R body: one ``out`` call per case."""
    return [f"out({case.id!r}, {case.r})" for case in cases]


def compare(case: Case, answers: dict[str, list[float]]) -> None:
    """Flipside's numbers equal R's to REL (NA in R must be None or NaN here)."""
    assert case.id in answers, f"R printed nothing for {case.id}"
    expected = answers[case.id]
    got = list(case.ours())
    assert len(got) == len(expected), (case.id, got, expected)
    for i, (mine, theirs) in enumerate(zip(got, expected, strict=True)):
        if math.isnan(theirs):
            assert mine is None or math.isnan(mine), (case.id, i, mine)
            continue
        assert mine is not None, (case.id, i, expected)
        assert mine == pytest.approx(theirs, rel=case.rel, abs=case.abs), (
            case.id,
            i,
            got,
            expected,
        )
