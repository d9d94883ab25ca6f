"""The comparison builder runs each comparison it offers through one plain function."""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy.orm import Session

from surveys.db.models import Programme
from surveys.reports.builder import COMPARE, build_comparison
from surveys.reports.builder.comparisons import COMPARISONS
from surveys.reports.builder.request import BadQuery, BuilderRequest


def test_every_comparison_on_offer_has_a_function() -> None:
    assert list(COMPARE) == list(COMPARISONS)
    assert all(callable(compare) for compare in COMPARE.values())


def test_an_unknown_comparison_is_refused_before_anything_is_read() -> None:
    request = BuilderRequest(outcomes=("index:climate",), comparison="astrology")
    with pytest.raises(BadQuery, match="'comparison' must be one of"):
        build_comparison(cast(Session, None), Programme(firm_id=1), request, 5)


def test_the_comparisons_table_is_the_one_list_of_comparisons() -> None:
    from surveys.reports.builder.comparisons import FAMILIES, HR_COMPARISONS, TABLE
    from surveys.reports.builder.plain import PAIRS

    assert list(COMPARE) == list(TABLE)
    # Before vs after: difference-in-differences, and the paired test of the same people.
    assert {k for k, c in TABLE.items() if c.needs_rounds} == {"did", "paired"}
    assert HR_COMPARISONS == {"participants", "mentors-mentees"}
    assert set(FAMILIES.values()) <= set(PAIRS)
