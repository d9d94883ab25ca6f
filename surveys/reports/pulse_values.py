"""What the pulse page shows beyond the Likert bars, as values: 0-10 score trends,
topic shares and released comments, stored through :mod:`surveys.reports.codec`
(``dump`` / ``load``) so the worker can store a report once per release
(:mod:`surveys.reports.precompute`) and a web process can read it back field by
field. :mod:`surveys.reports.pulse_details` builds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys import disclosure


@dataclass(frozen=True)
class MonthScore:
    """One month of a 0-10 item: the disclosed mean and its 95% interval when shown."""

    period: str
    mean: disclosure.Result
    #: (low, high) of the 95% t interval of the mean; None when the mean is hidden
    #: or rests on one answer.
    interval: tuple[float, float] | None


@dataclass(frozen=True)
class ScoreTrend:
    survey_title: str
    question_key: str
    question_text: str
    low_label: str
    high_label: str
    months: list[MonthScore]


@dataclass(frozen=True)
class TopicShare:
    key: str
    label: str
    #: Responses that chose the topic (hidden below k).
    count: disclosure.Result
    #: Percent of the responses counted (hidden unless both counts are shown).
    share: disclosure.Result


@dataclass(frozen=True)
class TopicShares:
    survey_title: str
    question_key: str
    question_text: str
    responses: disclosure.Result
    topics: list[TopicShare]


@dataclass(frozen=True)
class MonthComments:
    period: str
    #: Shown (the respondents) when the month's comments may be shown, else the reason.
    respondents: disclosure.Result
    comments: list[str]


@dataclass(frozen=True)
class CommentMonths:
    survey_title: str
    question_key: str
    question_text: str
    months: list[MonthComments]
