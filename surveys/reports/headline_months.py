"""The headline's one month: every pulse row is shown "as of" the same month.

:func:`as_of_month` picks it (the latest month any row is shown in); a row hidden
in that month says so rather than falling back to an older month of its own, so
the headline never mixes months silently (:mod:`surveys.reports.headline`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from surveys import disclosure
from surveys.reports.headline_rules import decide
from surveys.reports.headline_values import Figure, Link
from surveys.reports.released_cells import ReleasedCellView

Histogram = Mapping[float, int]


#: One headline pulse row before its month is chosen: label, kind, link and each month's
#: decided figure (value and interval).
Row = tuple[str, str, Link, dict[str, tuple[disclosure.Result, tuple[float, float] | None]]]


def decided_months(
    kind: str,
    months: Mapping[str, Histogram],
    policy: disclosure.Policy,
    cells: Mapping[str, Sequence[ReleasedCellView]],
) -> dict[str, tuple[disclosure.Result, tuple[float, float] | None]]:
    """Each month's figure, decided on that month's cells (their people counted)."""
    return {period: decide(kind, months[period], policy, cells[period]) for period in months}


def as_of_month(rows: Sequence[Row]) -> str:
    """The one month every pulse row is shown for: the latest month any row is shown in.

    Rows hidden in that month say so (with the reason) rather than falling back to
    an older month of their own, so the headline never mixes months silently.
    When nothing is shown yet, the latest month with released answers.
    """
    shown = [period for *_, months in rows for period, (value, _) in months.items() if value.shown]
    if shown:
        return max(shown)
    return max((period for *_, months in rows for period in months), default="")


def _month_before(period: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def figure_as_of(row: Row, as_of: str, policy: disclosure.Policy) -> Figure:
    label, kind, link, months = row
    if not as_of:
        return Figure(label, kind, "", policy.too_few(), "", policy.too_few(), None, link)
    value, interval = months.get(as_of, (policy.too_few(), None))
    before = _month_before(as_of)
    previous = months.get(before, (policy.too_few(), None))[0]
    return Figure(label, kind, as_of, value, before, previous, interval, link)
