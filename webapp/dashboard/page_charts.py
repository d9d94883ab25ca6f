"""Each dashboard chart built from its page's own disclosed results: the chart and its rows.

:mod:`webapp.dashboard.pages` calls these for a page and for its downloads
alike, so a PNG or CSV can never hold a number the page would not show.
"""

from __future__ import annotations

import math
from typing import Any

from surveys import disclosure
from surveys.reports.builder import BuilderResult
from surveys.reports.overview import Overview
from surveys.reports.pulse import LikertTrend
from surveys.reports.pulse_details import ScoreTrend, TopicShares
from surveys.reports.retention import SurvivalView
from webapp.dashboard.charts import diverging_bars, legend, score_line, topic_bars
from webapp.dashboard.vega import CONFIG, SUPPRESSED, Chart, cell, number

GROUP_NAMES = {
    "participants": "Participants",
    "comparison group": "Comparison group",
    "mentors": "Mentors",
    "mentees": "Mentees",
}
OUTCOME_TITLES = {"retention": "Still at the firm", "promotion": "Not yet promoted"}


def overview_charts(overview: Overview) -> list[Chart]:
    """Meetings per month as bars; a suppressed month is labelled, never drawn as zero.

    The x axis is the months in date order, given explicitly: the shown months
    and the suppressed ones are drawn by separate layers, whose union Vega-Lite
    would otherwise order layer by layer (every suppressed month at the end).
    """
    rows = [(month, cell(result)) for month, result in overview.meetings.cells.items()]
    values = [
        {
            "month": month,
            "meetings": result.value if isinstance(result, disclosure.Shown) else None,
            "label": text,
        }
        for (month, text), result in zip(rows, overview.meetings.cells.values(), strict=True)
    ]
    months = list(overview.meetings.cells)
    x = {
        "field": "month",
        "type": "ordinal",
        "title": "Month",
        "sort": months,
        "scale": {"domain": months},
        "axis": {"labelAngle": -45},
    }
    spec: dict[str, Any] = {
        "width": 560,
        "height": 220,
        "data": {"values": values},
        "layer": [
            {
                "transform": [{"filter": "datum.meetings != null"}],
                "mark": {"type": "bar", "color": "#0072B2"},
                "encoding": {
                    "x": x,
                    "y": {"field": "meetings", "type": "quantitative", "title": "Meetings"},
                },
            },
            {
                "transform": [{"filter": "datum.meetings == null"}],
                "mark": {"type": "text", "angle": 270, "align": "left", "dx": 4, "fontSize": 11},
                "encoding": {"x": x, "y": {"datum": 0}, "text": {"value": SUPPRESSED}},
            },
        ],
    }
    return [Chart("meetings", "Meetings per month", ("Month", "Meetings"), rows, spec)]


def likert_chart(trend: LikertTrend, svg_id: str) -> Chart:
    """A Likert item's diverging bars per month; its download id is the question's key."""
    rows = []
    for month in trend.months:
        shares = tuple(f"{s:.0f}%" for s in month.shares) or ((cell(month.n),) * len(trend.labels))
        rows.append((month.period, cell(month.n), *shares))
    return Chart(
        trend.question_key,
        f"{trend.survey_title}: {trend.question_text}",
        ("Month", "Responses", *trend.labels),
        rows,
        svg=diverging_bars(trend, svg_id),
        legend=legend(trend.labels),
    )


def topics_chart(topics: TopicShares, chart_id: str) -> Chart:
    """The share of responses choosing each topic, as bars."""
    return Chart(
        chart_id,
        f"{topics.survey_title}: topics discussed",
        ("Topic", "Responses", "Share"),
        [(t.label, cell(t.count), cell(t.share, percent=True)) for t in topics.topics],
        svg=topic_bars(topics, chart_id),
    )


def score_chart(score: ScoreTrend, chart_id: str) -> Chart:
    """The mean 0-10 score per month as a line with its 95% interval."""
    rows = []
    for month in score.months:
        if isinstance(month.mean, disclosure.Shown):
            low_high = (
                f"{month.interval[0]:.1f} to {month.interval[1]:.1f}" if month.interval else "–"
            )
            rows.append((month.period, f"{month.mean.n:,}", f"{month.mean.value:.1f}", low_high))
        else:
            rows.append((month.period, SUPPRESSED, SUPPRESSED, SUPPRESSED))
    return Chart(
        chart_id,
        f"{score.survey_title}: {score.question_text}",
        ("Month", "Responses", "Mean (0-10)", "95% interval"),
        rows,
        svg=score_line(score, chart_id),
    )


def _means_chart(result: BuilderResult) -> Chart | None:
    if not result.means:
        return None
    rows = [
        (
            m.outcome,
            m.group,
            cell(m.mean, 2),
            number(m.low) if m.mean.shown else SUPPRESSED,
            number(m.high) if m.mean.shown else SUPPRESSED,
            str(m.mean.n) if isinstance(m.mean, disclosure.Shown) else SUPPRESSED,
        )
        for m in result.means
    ]
    values = [
        {
            "outcome": m.outcome[:70],
            "group": m.group,
            "mean": m.mean.value,
            "low": m.low,
            "high": m.high,
        }
        for m in result.means
        if isinstance(m.mean, disclosure.Shown)
    ]
    y = {"field": "group", "type": "nominal", "title": None, "sort": None}
    colour = {"field": "group", "type": "nominal", "title": "Group", "sort": None}
    spec: dict[str, Any] = {
        "data": {"values": values},
        "facet": {
            "row": {
                "field": "outcome",
                "type": "nominal",
                "title": None,
                "sort": None,
                "header": {"labelAngle": 0, "labelAlign": "left", "labelOrient": "top"},
            },
        },
        "spec": {
            "width": 420,
            "layer": [
                {
                    "mark": {"type": "rule", "strokeWidth": 2},
                    "encoding": {
                        "y": y,
                        "x": {
                            "field": "low",
                            "type": "quantitative",
                            "title": "Mean (95% CI)",
                            "scale": {"zero": False},
                        },
                        "x2": {"field": "high"},
                        "color": colour,
                    },
                },
                {
                    "mark": {"type": "point", "filled": True, "size": 80},
                    "encoding": {
                        "y": y,
                        "x": {"field": "mean", "type": "quantitative"},
                        "color": colour,
                    },
                },
            ],
        },
        "resolve": {"scale": {"y": "independent"}},
    }
    return Chart(
        "means",
        f"{result.comparison_label}: mean per group with its 95% confidence interval",
        ("Outcome", "Group", "Mean", "95% CI low", "95% CI high", "Responses"),
        rows,
        spec,
    )


def survival_chart(view: SurvivalView, chart_id: str) -> Chart:
    """Kaplan–Meier steps per group while at least k people are followed; each step
    rests on at least k events (surveys/reports/retention.py merges months until it does)."""
    name = OUTCOME_TITLES[view.outcome]
    rows = [
        (
            GROUP_NAMES.get(p.group, p.group),
            str(p.month),
            f"{100 * p.estimate:.1f}%",
            "" if p.low is None else f"{100 * p.low:.1f}%",
            "" if p.high is None else f"{100 * p.high:.1f}%",
        )
        for p in view.points
    ]
    values = [
        {
            "group": GROUP_NAMES.get(p.group, p.group),
            "month": p.month,
            "estimate": p.estimate,
            "low": p.low,
            "high": p.high,
        }
        for p in view.points
    ]
    x = {"field": "month", "type": "quantitative", "title": "Months since enrolment"}
    colour = {"field": "group", "type": "nominal", "title": "Group"}
    # The y axis fits the curves and their intervals (a tenth below the lowest, to 100%):
    # from 0% the curves would be squashed into the top of the chart.
    lowest = min([p.estimate for p in view.points] + [p.low for p in view.points if p.low])
    floor = max(0.0, math.floor(lowest * 10 - 1) / 10)
    spec: dict[str, Any] = {
        "width": 520,
        "height": 260,
        # One legend, in the groups' own colours (drawn as solid lines, not the faint bands).
        "config": {
            "legend": {
                **CONFIG["legend"],
                "symbolType": "stroke",
                "symbolOpacity": 1,
                "symbolStrokeWidth": 3,
            }
        },
        "data": {"values": values},
        "layer": [
            {
                "transform": [{"filter": "datum.low != null && datum.high != null"}],
                "mark": {"type": "area", "opacity": 0.15, "interpolate": "step-after"},
                "encoding": {
                    "x": x,
                    "y": {"field": "low", "type": "quantitative"},
                    "y2": {"field": "high"},
                    "color": colour,
                },
            },
            {
                "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "estimate",
                        "type": "quantitative",
                        "title": f"{name} (share)",
                        "scale": {"domain": [floor, 1], "zero": False},
                        "axis": {"format": "%"},
                    },
                    "color": colour,
                    "strokeDash": {**colour, "legend": None},
                },
            },
        ],
    }
    return Chart(
        chart_id,
        f"{name}: Kaplan-Meier estimate by month since enrolment (steps of at least k events)",
        ("Group", "Month", name, "95% CI low", "95% CI high"),
        rows,
        spec,
    )


def compare_charts(result: BuilderResult | None) -> list[Chart]:
    """The means with their intervals, then a Kaplan-Meier chart per time-to-event outcome."""
    if result is None:
        return []
    charts = [c for c in [_means_chart(result)] if c is not None]
    for row in result.rows:
        if row.survival is not None and row.survival.points:
            charts.append(survival_chart(row.survival, f"km-{row.survival.outcome}"))
    return charts
