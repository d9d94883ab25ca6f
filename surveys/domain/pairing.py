"""Pairing suggestions: the score of a mentor-mentee pair and the best complete set of pairs.

A pure function of the people's HR attributes; nothing here reads or writes the
database, and nothing is ever paired by it: the admin accepts, edits or rejects
each suggestion (webapp/admin/suggestions.py).

The score of pairing mentor *m* (the junior, in reverse mentoring) with mentee *e*::

    score(m, e) = w_seniority  * (rank(e.level) - rank(m.level)) / (len(LEVELS) - 1)
                + w_practice   * [m.practice_area != e.practice_area]
                + w_office     * [m.office != e.office]
                + w_gender     * [both genders known and different]
                + w_background * [both ethnicities known and different]

``rank`` is the position in LEVELS (trainee 0 ... board 5), so the seniority term
runs from -w (a board member "mentoring" a trainee) to +w (the other way round).
"Known" excludes empty and "prefer not to say". The defaults are
w_seniority 2, w_practice 1, w_office 1, w_gender 0.5, w_background 0.5.

Hard constraints, when the HR data says so: a person is never paired with their
line manager (``manager_id`` on either side names the other) nor with someone of
the same ``team``. Pairs the admin rejected are forbidden too.

The set of pairs maximises the total score over all assignments that pair as
many people as the constraints allow (min(mentors, mentees) when nothing is
forbidden): an assignment problem solved with ``scipy.optimize.linear_sum_assignment``
on the rectangular score matrix, every forbidden pair carrying the same penalty,
larger than any achievable total, so they are chosen only where no feasible pair
is left, and then dropped.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from surveys.domain.vocab import LEVELS, PREFER_NOT_TO_SAY


@dataclass(frozen=True)
class Candidate:
    """What the score looks at of one unpaired mentor or mentee."""

    id: int
    internal_id: str
    level: str
    practice_area: str
    office: str
    gender: str | None = None
    ethnicity: str | None = None
    manager_id: str | None = None
    team: str | None = None
    #: The person's own firm: HR ids and team names mean something within one firm only
    #: (a cross-organisation programme pairs people of different member firms).
    firm_id: int | None = None


@dataclass(frozen=True)
class Weights:
    seniority: float = 2.0
    practice: float = 1.0
    office: float = 1.0
    gender: float = 0.5
    background: float = 0.5


#: The documented default weights.
DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Suggestion:
    mentor: Candidate
    mentee: Candidate
    score: float


def _known(value: str | None) -> bool:
    return bool(value) and (value or "").strip().lower() != PREFER_NOT_TO_SAY


def _rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


def score(mentor: Candidate, mentee: Candidate, weights: Weights = DEFAULT_WEIGHTS) -> float:
    """The documented score of one pair (see the module)."""
    gap = (_rank(mentee.level) - _rank(mentor.level)) / (len(LEVELS) - 1)
    total = weights.seniority * gap
    total += weights.practice * (mentor.practice_area != mentee.practice_area)
    total += weights.office * (mentor.office != mentee.office)
    if _known(mentor.gender) and _known(mentee.gender):
        total += weights.gender * (mentor.gender != mentee.gender)
    if _known(mentor.ethnicity) and _known(mentee.ethnicity):
        total += weights.background * (mentor.ethnicity != mentee.ethnicity)
    return total


def forbidden(mentor: Candidate, mentee: Candidate) -> bool:
    """A line manager and their report, or two people of the same team (of one firm)."""
    if mentor.firm_id != mentee.firm_id:
        return False
    if mentor.manager_id and mentor.manager_id == mentee.internal_id:
        return True
    if mentee.manager_id and mentee.manager_id == mentor.internal_id:
        return True
    return bool(mentor.team) and mentor.team == mentee.team


def suggest_pairs(
    mentors: Sequence[Candidate],
    mentees: Sequence[Candidate],
    weights: Weights = DEFAULT_WEIGHTS,
    rejected: Collection[tuple[int, int]] = (),
) -> list[Suggestion]:
    """The best complete set of pairs, in the order of ``mentors``.

    ``rejected`` holds (mentor id, mentee id) pairs the admin turned down; they
    are forbidden like the HR constraints. Ties are broken by the solver,
    deterministically for the same input.
    """
    if not mentors or not mentees:
        return []
    scores = np.array([[score(m, e, weights) for e in mentees] for m in mentors], dtype=float)
    blocked = np.array(
        [[forbidden(m, e) or (m.id, e.id) in rejected for e in mentees] for m in mentors],
        dtype=bool,
    )
    # The same value for every forbidden pair (so their own scores never count), lower
    # than any feasible total can differ by: one more feasible pair beats any gain in score.
    penalty = (np.abs(scores).max() + 1.0) * 2 * (min(len(mentors), len(mentees)) + 1)
    matrix = np.where(blocked, -penalty, scores)
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return [
        Suggestion(mentors[r], mentees[c], float(scores[r, c]))
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
        if not blocked[r, c]
    ]
