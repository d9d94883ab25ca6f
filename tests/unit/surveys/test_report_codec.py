"""Stored reports go to JSON and back exactly, and anything else is refused (no pickle)."""

from __future__ import annotations

import json

import pytest

from surveys import disclosure
from surveys.reports import codec
from surveys.reports.overview import answered_from_dict
from surveys.reports.pulse import LikertTrend, MonthShares, PulseReport
from surveys.reports.pulse_details import (
    CommentMonths,
    MonthComments,
    MonthScore,
    ScoreTrend,
    TopicShare,
    TopicShares,
)

POLICY = disclosure.Policy(5)
HIDDEN = POLICY.too_few()


def report() -> PulseReport:
    return PulseReport(
        POLICY,
        [
            LikertTrend(
                "Mentors' pulse",
                "spoke_openly",
                "I spoke openly",
                ("No", "Rather not", "Neither", "Rather", "Yes"),
                [
                    MonthShares("2026-02", disclosure.Shown(8, 8), (0.0, 0.0, 12.5, 75.0, 12.5)),
                    MonthShares("2026-03", HIDDEN, ()),
                ],
            )
        ],
        [
            ScoreTrend(
                "Mentors' pulse",
                "recommend_programme",
                "Recommend?",
                "Not at all",
                "Very likely",
                [
                    MonthScore("2026-02", disclosure.Shown(8.0, 8), (6.7359, 9.2641)),
                    MonthScore("2026-03", disclosure.Shown(9.0, 1), None),
                ],
            )
        ],
        [
            TopicShares(
                "Mentors' pulse",
                "topics",
                "Topics",
                disclosure.Shown(12, 12),
                [TopicShare("technology", "Technology", disclosure.Shown(6, 6), HIDDEN)],
            )
        ],
        [
            CommentMonths(
                "Mentors' pulse",
                "comment",
                "Anything else?",
                [MonthComments("2026-02", disclosure.Shown(10, 10), ["Good", "Useful"])],
            )
        ],
        ["Mentees' pulse: not shown"],
    )


def test_a_pulse_report_round_trips_through_json_unchanged_and_types_kept() -> None:
    original = report()
    back = codec.load(PulseReport, json.loads(json.dumps(codec.dump(original))))
    assert back == original
    shown = back.likert[0].months[0].n
    assert isinstance(shown, disclosure.Shown) and type(shown.value) is int  # prints "8"
    mean = back.scores[0].months[0].mean
    assert isinstance(mean, disclosure.Shown) and type(mean.value) is float  # prints "8.0"
    assert isinstance(back.likert[0].labels, tuple) and isinstance(back.scores[0].months, list)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("likert"),
        lambda d: d.update(policy={"k": 0, "comment_min": 10}),
        lambda d: d.update(withheld="text"),
        lambda d: d["likert"][0]["months"][0].update(n={"value": "8", "n": 8}),
        lambda d: d["likert"][0]["months"][0].update(n={"value": 8, "n": True}),
        lambda d: d["likert"][0]["months"][0].update(n={"value": 8, "n": 8, "reason": "x"}),
        lambda d: d["scores"][0]["months"][0].update(interval=[1.0]),
        lambda d: d["comments"][0]["months"][0].update(comments=[{"__class__": "os.system"}]),
    ],
)
def test_a_body_of_another_shape_is_refused(change: object) -> None:
    data = json.loads(json.dumps(codec.dump(report())))
    change(data)  # type: ignore[operator]
    with pytest.raises(ValueError):
        codec.load(PulseReport, data)


def test_responses_per_role_take_known_roles_and_counts_only() -> None:
    assert answered_from_dict({"mentor": 6, "*": 5}) == {"mentor": 6, "*": 5}
    for bad in ({"mentor": "6"}, {"ceo": 6}, {"mentor": -1}, [6]):
        with pytest.raises(codec.Malformed):
            answered_from_dict(bad)


def test_a_headline_round_trips_and_an_unknown_kind_of_figure_is_refused() -> None:
    from surveys.reports.headline_values import Card, Figure, Headline, Link, PlannedFinding

    link = Link("pulse", (("outcome", "climate:belonging"),), "trends")
    figure = Figure(
        "Belonging", "mean", "2026-08", disclosure.Shown(4.2, 12), "2026-07", HIDDEN, None, link
    )
    original = Headline(
        disclosure.Policy(5, 10),
        [Card("pulse", "Mentors' pulse", [figure])],
        [
            PlannedFinding(
                1,
                "index:climate",
                "Climate index",
                "did",
                True,
                "No difference was found.",
                False,
                "",
                0.1,
                (-0.2, 0.4),
                "Hedges' g",
                0.05,
                (-0.1, 0.2),
                0.31,
                0.62,
                (("participants", 40), ("comparison", 38)),
                0.3,
                "80% power for d = 0.4",
                link,
            )
        ],
        "As the default plan.",
        "2026-08",
    )
    data = json.loads(json.dumps(codec.dump(original)))
    assert codec.load(Headline, data) == original
    assert set(data["cards"][0]["figures"][0]) == {f for f in Figure.__dataclass_fields__}
    data["cards"][0]["figures"][0]["kind"] = "median"
    with pytest.raises(codec.Malformed, match="not a kind of figure"):
        codec.load(Headline, data)
    data["cards"][0]["figures"][0]["kind"] = "mean"
    data["planned"][0]["refused"] = "no"
    with pytest.raises(codec.Malformed):
        codec.load(Headline, data)
