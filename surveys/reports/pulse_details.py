"""Pulse trends beyond the Likert bars: 0-10 scores, topic shares and comments.

Each builder takes the cells :func:`~surveys.reports.released_cells.disclosed_cells`
let through for one survey version (released snapshots only, each of at least
k, no month within k of its weeks) and adds up only those, so a number here is
a sum of cells the API lists too. Comments come from
:class:`~surveys.db.models.PooledComment` rows released with the batch of
their cohort-month (never from the answers table), and only those of cohorts
whose month is shown here; a month's comments appear once the respondents of
the shown cohorts reach :data:`surveys.disclosure.COMMENT_MIN` (or k, if larger).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.aggregates import RESPONSES
from surveys.db.models import PooledComment
from surveys.definitions.model import Question
from surveys.domain.comments import mask_contact_details
from surveys.domain.vocab import COHORT
from surveys.reports import codec
from surveys.reports.released_cells import ReleasedCellView


@dataclass(frozen=True)
class MonthScore:
    """One month of a 0-10 item: the disclosed mean and its 95% interval when shown."""

    period: str
    mean: disclosure.Result
    #: (low, high) of the 95% t interval of the mean; None when the mean is hidden
    #: or rests on one answer.
    interval: tuple[float, float] | None

    def to_dict(self) -> dict[str, Any]:
        interval = list(self.interval) if self.interval is not None else None
        return {
            "period": self.period,
            "mean": codec.result_to_dict(self.mean),
            "interval": interval,
        }

    @classmethod
    def from_dict(cls, value: object) -> MonthScore:
        data = codec.obj(value)
        interval = None
        if data.get("interval") is not None:
            bounds = [codec.as_number(v) for v in codec.items(data, "interval")]
            if len(bounds) != 2:
                raise codec.Malformed("an interval has two bounds")
            interval = (bounds[0], bounds[1])
        return cls(codec.text(data, "period"), codec.result_from_dict(data.get("mean")), interval)


@dataclass(frozen=True)
class ScoreTrend:
    survey_title: str
    question_key: str
    question_text: str
    low_label: str
    high_label: str
    months: list[MonthScore]

    def to_dict(self) -> dict[str, Any]:
        return {
            "survey_title": self.survey_title,
            "question_key": self.question_key,
            "question_text": self.question_text,
            "low_label": self.low_label,
            "high_label": self.high_label,
            "months": [month.to_dict() for month in self.months],
        }

    @classmethod
    def from_dict(cls, value: object) -> ScoreTrend:
        data = codec.obj(value)
        return cls(
            codec.text(data, "survey_title"),
            codec.text(data, "question_key"),
            codec.text(data, "question_text"),
            codec.text(data, "low_label"),
            codec.text(data, "high_label"),
            [MonthScore.from_dict(m) for m in codec.items(data, "months")],
        )


@dataclass(frozen=True)
class TopicShare:
    key: str
    label: str
    #: Responses that chose the topic (hidden below k).
    count: disclosure.Result
    #: Percent of the responses counted (hidden unless both counts are shown).
    share: disclosure.Result

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "count": codec.result_to_dict(self.count),
            "share": codec.result_to_dict(self.share),
        }

    @classmethod
    def from_dict(cls, value: object) -> TopicShare:
        data = codec.obj(value)
        return cls(
            codec.text(data, "key"),
            codec.text(data, "label"),
            codec.result_from_dict(data.get("count")),
            codec.result_from_dict(data.get("share")),
        )


@dataclass(frozen=True)
class TopicShares:
    survey_title: str
    question_key: str
    question_text: str
    responses: disclosure.Result
    topics: list[TopicShare]

    def to_dict(self) -> dict[str, Any]:
        return {
            "survey_title": self.survey_title,
            "question_key": self.question_key,
            "question_text": self.question_text,
            "responses": codec.result_to_dict(self.responses),
            "topics": [topic.to_dict() for topic in self.topics],
        }

    @classmethod
    def from_dict(cls, value: object) -> TopicShares:
        data = codec.obj(value)
        return cls(
            codec.text(data, "survey_title"),
            codec.text(data, "question_key"),
            codec.text(data, "question_text"),
            codec.result_from_dict(data.get("responses")),
            [TopicShare.from_dict(t) for t in codec.items(data, "topics")],
        )


@dataclass(frozen=True)
class MonthComments:
    period: str
    #: Shown (the respondents) when the month's comments may be shown, else the reason.
    respondents: disclosure.Result
    comments: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "respondents": codec.result_to_dict(self.respondents),
            "comments": list(self.comments),
        }

    @classmethod
    def from_dict(cls, value: object) -> MonthComments:
        data = codec.obj(value)
        return cls(
            codec.text(data, "period"),
            codec.result_from_dict(data.get("respondents")),
            list(codec.texts(data, "comments")),
        )


@dataclass(frozen=True)
class CommentMonths:
    survey_title: str
    question_key: str
    question_text: str
    months: list[MonthComments]

    def to_dict(self) -> dict[str, Any]:
        return {
            "survey_title": self.survey_title,
            "question_key": self.question_key,
            "question_text": self.question_text,
            "months": [month.to_dict() for month in self.months],
        }

    @classmethod
    def from_dict(cls, value: object) -> CommentMonths:
        data = codec.obj(value)
        return cls(
            codec.text(data, "survey_title"),
            codec.text(data, "question_key"),
            codec.text(data, "question_text"),
            [MonthComments.from_dict(m) for m in codec.items(data, "months")],
        )


def _months(cells: Sequence[ReleasedCellView], question_key: str) -> list[str]:
    """Months with any shown cell of the question or of the survey's responses.

    A month the survey was answered in but whose cells of this question are all
    hidden is listed (and shown as suppressed), rather than left out as if empty.
    """
    return sorted({c.period for c in cells if c.question_key in (question_key, RESPONSES)})


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
        # All (or all but a few) of one score would show everyone's answer as the mean.
        mean = (
            disclosure.mean(total, n, policy)
            if disclosure.distribution(histogram, policy, n).shown
            else policy.too_few()
        )
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
    responses = sum(
        disclosure.released(c).n for c in cells if c.question_key == RESPONSES and c.item == ""
    )
    base = disclosure.count(responses, policy)
    chosen = {
        option.key: sum(
            disclosure.released(c).n
            for c in cells
            if c.question_key == question.key and c.item == option.key
        )
        for option in question.options
    }
    # An option chosen by fewer than k, by nobody, or by all but fewer than k is hidden
    # alike (the options overlap, so no sum gives a hidden one away).
    decided = disclosure.options(
        {key: min(c, responses) for key, c in chosen.items()},
        max(responses, *chosen.values(), 0),
        policy,
        exclusive=False,
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
    for cell in cells:
        if cell.question_key == RESPONSES and cell.item == "":
            cohort = tuple(getattr(cell, name) for name in COHORT)
            shown.setdefault(cell.period, {})[cohort] = disclosure.released(cell).n
    gates = {p: disclosure.comments(sum(c.values()), policy) for p, c in shown.items()}
    open_months = sorted(p for p, gate in gates.items() if gate.shown)
    pooled: dict[str, list[str]] = {}
    if open_months:
        rows = session.execute(
            select(
                PooledComment.period,
                *(getattr(PooledComment, name) for name in COHORT),
                PooledComment.text,
            ).where(
                PooledComment.programme_id == programme_id,
                PooledComment.survey_key == survey_key,
                PooledComment.survey_version == version,
                PooledComment.question_key == question.key,
                PooledComment.released.is_(True),
                PooledComment.period.in_(open_months),
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
