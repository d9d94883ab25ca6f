"""Aggregate cells: histograms per survey version x question x cohort x period.

A response counts in one cell per answered question (per chosen option for
choice questions) and per period: its ISO week (``2026-W07``), its month
(``2026-02``) and, when it answers a climate round, the round (``"12"``).
Scalar answers (Likert, 0-10, yes/no as 1/0) add to the value histogram, ``n``,
``total`` and ``total_sq``; a chosen option counts as the value 1 in its
option's cell (``item``); free text is never aggregated. Besides the question
cells, every cohort x period has one *responses cell* (``question_key == ''``)
counting its responses.

Cells are derived data: :func:`verify` recomputes them from the raw responses
and :func:`rebuild` restores them.

Batched release (PRODUCT.md 2.3). Readers see only the ``released_*`` columns.
The unit of release is a *release group*: every cell of one survey version,
cohort and period (all its questions and options together). A group is
released -- every one of its cells' snapshots set to the live values, in one
statement -- when its responses cell shows at least k responses that arrived
since the group's last release (``n - released_n >= k``), or when the group's
climate round has closed and holds at least k responses in total. k is the
firm's ``min_group_size``, else the global setting. Counting responses per
group rather than per cell means a released number only ever moves because a
batch of at least k responses of that cohort and period arrived together, and
the questions and options of one cohort stay consistent with each other. Sums
of cells (e.g. all roles) move by zero or by at least k as well. What this
does not prevent -- differencing cells of overlapping periods released at
different times (a month against its weeks) -- is for the disclosure module's
differencing rule. Closing a round may release fewer than k new responses (the
round as a whole holds at least k); a remainder of fewer than k in a week or
month that has ended stays unreleased for good, the price of the rule.
``FLIPSIDE_RELEASE_BATCHING=off`` releases every response at once: for
benchmarks only.

Exactly once from at least once (:mod:`surveys.aggregates.writing`): a
consumer's receipts and increments commit in one transaction, and each
transaction also takes up to 200 other unhandled events from the outbox, so
under load the cells are written once per batch. Increments are one
``INSERT ... ON CONFLICT DO UPDATE`` in SQL, rows in key order, so concurrent
writers lock cells in one order (responses cells, question '', first) and lose
no count; SQLite's ``BEGIN IMMEDIATE`` serialises writers anyway. Writers take
a table lock that :func:`rebuild` excludes, so a rebuild and the consumers
never interleave; events pending during a rebuild are counted by it and get
their receipts.

People. :mod:`surveys.aggregates.people_counts` is the one place readers ask
how many *distinct people* stand behind a figure (firm x survey x question x
one cohort attribute value x month, round or programme to date; pooled across
member firms by addition): :func:`people_behind`, :func:`figure_people`,
:func:`people_of`. The mixer writes those numbers
(:mod:`surveys.aggregates.figures`); :mod:`surveys.aggregates.people` keeps the
cells' older lower bounds.
"""

from surveys.aggregates.cells import (
    CONSUMER,
    RESPONSES,
    CellKey,
    Stats,
    cell_key,
    contributions,
    periods,
)
from surveys.aggregates.checks import (
    Difference,
    RebuildReport,
    rebuild,
    recompute,
    recompute_cell,
    verify,
)
from surveys.aggregates.people_counts import (
    EVERYONE,
    FigureKey,
    People,
    figure_people,
    people_behind,
    people_of,
)
from surveys.aggregates.release import min_group_size, release_group, release_round, released
from surveys.aggregates.writing import add_batch

__all__ = [
    "CONSUMER",
    "EVERYONE",
    "RESPONSES",
    "CellKey",
    "Difference",
    "FigureKey",
    "People",
    "RebuildReport",
    "Stats",
    "add_batch",
    "cell_key",
    "contributions",
    "figure_people",
    "min_group_size",
    "people_behind",
    "people_of",
    "periods",
    "rebuild",
    "recompute",
    "recompute_cell",
    "release_group",
    "release_round",
    "released",
    "verify",
]
