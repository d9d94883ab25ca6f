"""What the pulse page shows beyond the Likert bars, as values: 0-10 score trends,
topic shares and released comments, each with its JSON form (``to_dict`` /
``from_dict``) so the worker can store a report once per release
(:mod:`surveys.reports.precompute`) and a web process can read it back field by
field. :mod:`surveys.reports.pulse_details` builds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from surveys import disclosure
from surveys.reports import codec


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
