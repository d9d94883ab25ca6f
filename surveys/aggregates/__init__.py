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

Release (PRODUCT.md 2.3). Readers see only the ``released_*`` columns. The
mixer (:mod:`surveys.intake.mixing`) stores responses only in batches of at
least k distinct people of one (possibly generalised) cohort and period, and
:func:`add_batch` counts each batch into its cells and releases it at once, in
the mixer's transaction: the live values and the snapshots move together, the
batch's comments are pooled released, and the programmes' release versions
move. So a released number only ever moves by a batch of at least k people,
and the questions and options of one cohort stay consistent with each other.
What this does not prevent -- differencing cells of overlapping periods (a
month against its weeks) -- is for the disclosure module's differencing rule.
The unit of release is a *release group* (every cell of one survey version,
cohort and period); :func:`release_group` advances one, as :func:`rebuild`
does for every group it changed.

Concurrency (:mod:`surveys.aggregates.writing`): a batch is one
``INSERT ... ON CONFLICT DO UPDATE`` in SQL, rows in key order, so concurrent
writers lock cells in one order (responses cells, question '', first) and lose
no count; SQLite's ``BEGIN IMMEDIATE`` serialises writers anyway. Writers take
a table lock that :func:`rebuild` excludes, so a rebuild and the mixer never
interleave.

People. :mod:`surveys.aggregates.people_counts` is the one place readers ask
how many *distinct people* stand behind a figure (firm x survey x question x
one cohort attribute value x month, round or programme to date; pooled across
member firms by addition): :func:`people_behind`, :func:`figure_people`,
:func:`people_of`. The mixer writes those numbers
(:mod:`surveys.aggregates.figures`); :mod:`surveys.aggregates.people` keeps the
cells' older lower bounds.
"""

from surveys.aggregates.cells import (
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
from surveys.aggregates.release import min_group_size, release_group, released
from surveys.aggregates.writing import add_batch

__all__ = [
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
    "released",
    "verify",
]
