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
different times (a month against its weeks) -- is refused by the disclosure
rules that read the cells. A remainder of fewer than k responses in a period
that has ended stays unreleased for good; that is the price of the rule.

Exactly once from at least once: :func:`record_submission` stores the
consumer's receipt in the same transaction as the increments. Concurrent
writers are safe: missing cells are created with ``INSERT ... ON CONFLICT DO
NOTHING`` in one sorted order, then locked with ``SELECT ... FOR UPDATE``
ordered by the key, so responses cells (question '') are always locked before
question cells (SQLite's ``BEGIN IMMEDIATE`` serialises writers anyway).
:func:`rebuild` locks the table against those writers for its duration.
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
from surveys.aggregates.release import min_group_size, release_group, release_round, released
from surveys.aggregates.writing import apply_responses, record_submission

__all__ = [
    "CONSUMER",
    "RESPONSES",
    "CellKey",
    "Difference",
    "RebuildReport",
    "Stats",
    "apply_responses",
    "cell_key",
    "contributions",
    "min_group_size",
    "periods",
    "rebuild",
    "recompute",
    "recompute_cell",
    "record_submission",
    "release_group",
    "release_round",
    "released",
    "verify",
]
