"""Disclosure control: the one place that decides whether a number may be shown.

PRODUCT.md 2.3. The dashboard, the API and every export ask this module, and
get back a :data:`Result`: :class:`Shown` (a value and the n it describes) or
:class:`Suppressed` (a reason, and no number at all), so a template or a JSON
encoder cannot print a hidden value by accident.

The rules:

* **Minimum group size.** A number describing fewer than k people is hidden:
  scores, percentages, counts and response rates alike (k is the firm's
  ``min_group_size``, else the global setting; free-text comments need 10).
  Zero is below k too: "nobody in this cell" is itself a disclosure.
* **Complementary suppression** (:func:`breakdown`). When a breakdown's total
  is shown, the hidden cells' sum is known (total minus the shown cells). So
  more cells are hidden, smallest first, until at least two cells are hidden
  and together they hold at least k: then no hidden cell can be worked out,
  and the hidden remainder itself describes at least k people. Every hidden
  cell carries the same reason, so the small ones are not told apart from
  their complements. Not covered: an attacker who also reasons about *which*
  cells the greedy rule would have chosen can, in some small tables, narrow a
  hidden cell further (e.g. 3/2/2 at k=3).
* **No group attribute disclosure** (:func:`distribution`, :func:`options`).
  A distribution is shown only when at least k people gave an answer other
  than the most common one (``n - max >= k``): "all 5 answered 4" or "all but
  two chose one ethnicity" is refused exactly like a small group, with the
  same wording. A choice option is shown only when ``k <= c <= n - k``, so an
  option at 0 is hidden like one below k and never proved 0; options of a
  single-choice question get complementary suppression so no hidden option
  can be worked out (or proved 0) by subtraction.
* **Differencing** (:class:`Ledger`). A slice that is nested in (or contains) a
  slice already shown, and differs from it by fewer than k people, is refused
  with a reason: subtracting one from the other would describe the few. So is
  a snapshot that lacks answers a nested one holds (released at another time).
* **People, not sessions.** Pulses are answered once per session, so a cell's
  responses can be one person several times over. Pulse figures are judged on
  the people behind them (:func:`people_behind`, lower bounds the mixer keeps
  from person tags before dropping them): a count, mean or distribution is
  shown only when its people reach k, and the group attribute rule counts
  people too (``people``/``apart`` of :func:`distribution` and
  :func:`options`). Climate rounds are one response per person, so their
  responses are people.
* **Released snapshots only** (:func:`released`). Readers take the
  ``released_*`` columns of an aggregate cell, which move only in batches of at
  least k responses; the live counters are never read here.

The rules live in :mod:`~surveys.disclosure.rules` (minimum group size,
complementary suppression), :mod:`~surveys.disclosure.differencing` (the
ledger and released series), :mod:`~surveys.disclosure.people` (people
behind cells and exported rows) and :mod:`~surveys.disclosure.rows` (row-level
k-anonymity for research exports, with the researcher's priorities of
:mod:`~surveys.disclosure.priorities`); :mod:`~surveys.disclosure.reasons`
says in plain words why a figure is hidden and when it may appear. Callers
import this package only.
"""

from surveys.disclosure.differencing import (
    Ledger,
    PeriodCell,
    ReleasedCell,
    Slice,
    Snapshot,
    bucket,
    period_days,
    released,
    released_cell,
    released_series,
)
from surveys.disclosure.people import CountedCell, Tally, people_behind, people_outside
from surveys.disclosure.reasons import NOT_YET, waits_for_people, when, why
from surveys.disclosure.rows import Combo, Hierarchy, RowPlan, anonymise_rows, replan
from surveys.disclosure.rules import (
    COMMENT_MIN,
    Breakdown,
    Policy,
    Result,
    Shown,
    Suppressed,
    breakdown,
    comments,
    count,
    distribution,
    mean,
    options,
    rate,
)

__all__ = [
    "COMMENT_MIN",
    "NOT_YET",
    "Breakdown",
    "Combo",
    "CountedCell",
    "Hierarchy",
    "Ledger",
    "PeriodCell",
    "Policy",
    "ReleasedCell",
    "Result",
    "RowPlan",
    "Shown",
    "Slice",
    "Snapshot",
    "Suppressed",
    "Tally",
    "anonymise_rows",
    "replan",
    "breakdown",
    "bucket",
    "comments",
    "count",
    "distribution",
    "mean",
    "options",
    "people_behind",
    "people_outside",
    "period_days",
    "rate",
    "released",
    "released_cell",
    "released_series",
    "waits_for_people",
    "when",
    "why",
]
