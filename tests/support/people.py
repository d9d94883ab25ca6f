"""Cells written directly by tests, with the people the mixer would have counted.

A test that inserts aggregate cells by hand (rather than sealing and mixing)
says whose answers they are: :func:`one_per_person` -- every released response
a different person, as a climate round or a batch of single sessions is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def one_per_person(
    histogram: Mapping[str, int], respondents: int | None = None, *, responses: bool = False
) -> dict[str, Any]:
    """``released_people``/``released_people_apart`` of a cell whose answers are all
    different people; ``respondents``: its cohort's respondents, for a choice option;
    ``responses``: the cohort's responses cell (its people only)."""
    n = sum(histogram.values())
    if responses:
        return {"released_people": n, "released_people_apart": {}}
    if respondents is not None:  # an option cell: {"1": chose}
        return {"released_people": n, "released_people_apart": {"1": respondents - n}}
    apart = {value: n - count for value, count in histogram.items() if count}
    return {"released_people": n, "released_people_apart": apart}
