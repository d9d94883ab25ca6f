"""Pulse trends beyond the Likert bars: 0-10 scores, topic shares and comments.

Each builder takes the cells :func:`~surveys.reports.released_cells.disclosed_cells`
let through for one survey version (released snapshots only, each of at least
k, no month within k of its weeks) and adds up only those, so a number here is
a sum of cells the API lists too. Comments come from
:class:`~surveys.db.models.PooledComment` rows released with the batch of
their cohort-month (never from the answers table), and only those of cohorts
whose month is shown here; a month's comments appear once the respondents of
the shown cohorts reach :data:`surveys.disclosure.COMMENT_MIN` (or k, if larger).

Pulses are answered per session: every figure here is judged on the people
behind it (:func:`surveys.disclosure.people_behind`, never a sum of parts'
people, which may be the same person), not on its responses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.aggregates import RESPONSES
from surveys.db.models import PooledComment
from surveys.definitions.model import Question
from surveys.domain.comments import mask_contact_details
from surveys.domain.vocab import COHORT
from surveys.reports.pulse_values import (
    CommentMonths,
    MonthComments,
    MonthScore,
    ScoreTrend,
    TopicShare,
    TopicShares,
)
from surveys.reports.released_cells import ReleasedCellView

__all__ = [
    "CommentMonths",
    "MonthComments",
    "MonthScore",
    "ScoreTrend",
    "TopicShare",
    "TopicShares",
    "calendar_months",
    "comment_months",
    "score_trend",
    "topic_shares",
]


def calendar_months(periods: Iterable[str]) -> list[str]:
    """Every month ("2026-02") from the first of ``periods`` to the last, in date order.

    A chart's time axis lists them all: a month whose cells were all withheld
    (below k, or not released yet) is then shown in place as suppressed, never
    left out so that its neighbours close up as if nothing were missing.
    """
    found = sorted(set(periods))
    if not found:
        return []
    year, month = (int(part) for part in found[0].split("-"))
    last = found[-1]
    months = []
    while (text := f"{year:04d}-{month:02d}") <= last:
        months.append(text)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _months(cells: Sequence[ReleasedCellView], question_key: str) -> list[str]:
    """Months with any shown cell of the question or of the survey's responses, and the
    months between them.

    A month the survey was answered in but whose cells of this question are all
    hidden is listed (and shown as suppressed), rather than left out as if empty.
    """
    return calendar_months(c.period for c in cells if c.question_key in (question_key, RESPONSES))


def _interval(n: int, total: int, total_sq: int) -> tuple[float, float] | None:
    if n < 2:
        return None
    mean = total / n
    variance = max(total_sq - total * total / n, 0) / (n - 1)
    half = float(stats.t.ppf(0.975, n - 1)) * math.sqrt(variance / n)
    return max(mean - half, 0.0), min(mean + half, 10.0)


def score_trend(
    title: str, question: Question, cells: Sequence[ReleasedCellView], policy: disclosure.Policy
) -> ScoreTrend:
    """The mean per month of a 0-10 item, with its 95% interval, from disclosed cells."""
    months = []
    for period in _months(cells, question.key):
        mine = [c for c in cells if c.question_key == question.key and c.period == period]
        snaps = [disclosure.released(c) for c in mine]
        n = sum(s.n for s in snaps)
        total = sum(s.total for s in snaps)
        total_sq = sum(s.total_sq for s in snaps)
        histogram: dict[str, int] = {}
        for snap in snaps:
            for value, c in snap.histogram.items():
                histogram[value] = histogram.get(value, 0) + c
        people, apart = disclosure.people_behind(mine)
        # All (or all but a few) of one score would show everyone's answer as the mean.
        diverse = disclosure.distribution(histogram, policy, n, people=people, apart=apart)
        mean = disclosure.mean(total, n, policy, people=people) if diverse.shown else diverse
        interval = _interval(n, total, total_sq) if mean.shown else None
        months.append(MonthScore(period, mean, interval))
    return ScoreTrend(
        title, question.key, question.text, question.low_label, question.high_label, months
    )


def topic_shares(
    title: str, question: Question, cells: Sequence[ReleasedCellView], policy: disclosure.Policy
) -> TopicShares:
    """How often each option of a multiple-choice item was chosen, over every shown month.

    The base is the responses of the shown cohort-months of the survey. A topic
    chosen by fewer than k (or by nobody), or by all but fewer than k, is
    suppressed with the same wording (:func:`surveys.disclosure.options`); the
    options overlap (several may be chosen), so a hidden one cannot be worked
    out from the others.
    """
    counted = [c for c in cells if c.question_key == RESPONSES and c.item == ""]
    responses = sum(disclosure.released(c).n for c in counted)
    respondents, _ = disclosure.people_behind(counted)
    base = disclosure.count(responses, policy, people=respondents)
    parts = {
        option.key: [c for c in cells if c.question_key == question.key and c.item == option.key]
        for option in question.options
    }
    chosen = {key: sum(disclosure.released(c).n for c in mine) for key, mine in parts.items()}
    # People who chose an option, and who answered without it, in any one shown cell
    # (a cohort-month whose option cell is hidden tells nothing either way).
    people = {key: disclosure.people_behind(mine) for key, mine in parts.items()}
    # An option chosen by fewer than k, by nobody, or by all but fewer than k is hidden
    # alike, in responses and in people (the options overlap, so no sum gives a hidden
    # one away).
    decided = disclosure.options(
        {key: min(c, responses) for key, c in chosen.items()},
        max(responses, *chosen.values(), 0),
        policy,
        exclusive=False,
        people={key: chose for key, (chose, _apart) in people.items()},
        apart={key: apart.get("1", 0) for key, (_chose, apart) in people.items()},
        respondents=respondents,
    )
    topics = []
    for option in question.options:
        count = decided.cells[option.key]
        share = (
            disclosure.rate(min(chosen[option.key], responses), responses, policy)
            if count.shown and base.shown
            else (count if not count.shown else base)
        )
        topics.append(TopicShare(option.key, option.label, count, share))
    return TopicShares(title, question.key, question.text, base, topics)


def comment_months(
    session: Session,
    programme_id: int,
    title: str,
    survey_key: str,
    version: int,
    question: Question,
    cells: Sequence[ReleasedCellView],
    policy: disclosure.Policy,
) -> CommentMonths:
    """Released comments per month, for months whose shown cohorts hold enough respondents."""
    shown: dict[str, dict[tuple[str, ...], int]] = {}
    people: dict[str, int] = {}
    for cell in cells:
        if cell.question_key == RESPONSES and cell.item == "":
            # The firm is part of the key: a cross-organisation programme's cells count one
            # member's people, and their comments are that member's too.
            cohort = (cell.firm_id, *(getattr(cell, name) for name in COHORT))
            shown.setdefault(cell.period, {})[cohort] = disclosure.released(cell).n
            people[cell.period] = max(people.get(cell.period, 0), cell.released_people)
    # Comments need their respondents in people: one mentee's ten sessions are one person.
    gates = {
        p: disclosure.comments(sum(c.values()), policy, people=people[p]) for p, c in shown.items()
    }
    open_months = sorted(p for p, gate in gates.items() if gate.shown)
    pooled: dict[str, list[str]] = {}
    if open_months:
        rows = session.execute(
            select(
                PooledComment.period,
                PooledComment.firm_id,
                *(getattr(PooledComment, name) for name in COHORT),
                PooledComment.text,
            ).where(
                PooledComment.programme_id == programme_id,
                PooledComment.survey_key == survey_key,
                PooledComment.survey_version == version,
                PooledComment.question_key == question.key,
                PooledComment.released.is_(True),
                PooledComment.period.in_(open_months),
                PooledComment.firm_id.in_(sorted({cell.firm_id for cell in cells})),
            )
        )
        for period, *values, text in rows:
            if tuple(values) in shown[period]:
                pooled.setdefault(period, []).append(mask_contact_details(text))
    months = []
    for period in sorted(shown):
        texts = sorted(pooled.get(period, [])) if gates[period].shown else []
        months.append(MonthComments(period, gates[period], texts))
    return CommentMonths(title, question.key, question.text, months)
