"""One builder per dashboard page: what its template shows and which charts it draws.

A page view and its chart downloads call the same builder on the same query
string through the same report, so a PNG or CSV can never hold a number the
page would not show. Chart ids (their download names) are decided here, once;
a template only writes ``{{ svg(chart) }}{{ download_links(downloads[chart.id], chart.title) }}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from flask import abort, request

from surveys import disclosure
from surveys.db.models import Programme, SurveyRound
from surveys.domain.plan import Plan
from surveys.reports.builder import BuilderResult, build_comparison
from surveys.reports.builder.comparisons import COMPARISONS
from surveys.reports.builder.request import (
    BadQuery,
    allowed_for,
    outcomes,
    parse_request,
)
from surveys.reports.builder.sides import climate_rounds
from surveys.reports.headline import headline_report
from surveys.reports.overview import programme_overview
from surveys.reports.pulse import pulse_report
from surveys.reports.retention import SPLITS, SurvivalView, survival_view
from surveys.reports.two_cohorts import TESTS
from surveys.services.plans import plan_state
from surveys.stats.wording import fmt_p
from webapp import current
from webapp.dashboard.early import early_state, is_early
from webapp.dashboard.page_charts import (
    compare_charts,
    likert_chart,
    overview_charts,
    score_chart,
    survival_chart,
    topics_chart,
)
from webapp.dashboard.vega import Chart, cell
from webapp.errors import sentence

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """A page's template, what the template reads, and the charts it draws (in page order)."""

    template: str
    context: dict[str, Any]
    charts: list[Chart]
    #: 400 for a form sent back with an error on it (the page still shows the form).
    status: int = 200


@dataclass(frozen=True)
class Section(Generic[T]):
    """One part of a page: its HTML id, the report object it shows, and its chart (if drawn)."""

    id: str
    data: T
    chart: Chart | None


def _k() -> int:
    return current.settings().min_group_size


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _helpers(programme: Programme) -> dict[str, Any]:
    """Formatting for the templates: every count goes through disclosure once more."""
    policy = disclosure.Policy.for_firm(programme.firm.min_group_size, _k())
    return {
        "k": policy.k,
        "fmt_p": fmt_p,
        "cell": cell,
        "count": lambda n: cell(disclosure.count(int(n), policy)),
    }


def overview_page(programme: Programme) -> Page:
    result = programme_overview(current.session(), programme, _k())
    return Page("dashboard/overview.html", {"overview": result}, overview_charts(result))


def headline_page(programme: Programme) -> Page:
    """The headline (stored once per release) and the overview's response rates."""
    session = current.session()
    headline = headline_report(session, programme, _k())
    early = early_state(programme, headline.policy.k) if is_early(programme, headline) else None
    context = {
        "programme": programme,
        "headline": headline,
        "early": early,
        "overview": programme_overview(session, programme, _k()),
        **_helpers(programme),
    }
    return Page("dashboard/headline.html", context, [])


def pulse_page(programme: Programme) -> Page:
    """Likert trends, 0-10 scores and topics, each a section with its chart; then comments."""
    report = pulse_report(current.session(), programme, _k())
    trends = [
        Section(f"trend-{i}", trend, likert_chart(trend, f"trend-{i}"))
        for i, trend in enumerate(report.likert, start=1)
    ]
    scores = [
        Section(f"score-{i}", score, score_chart(score, f"score-{i}") if score.months else None)
        for i, score in enumerate(report.scores, start=1)
    ]
    topics = [
        Section(
            f"topics-{i}",
            shares,
            topics_chart(shares, f"topics-{i}") if shares.responses.shown else None,
        )
        for i, shares in enumerate(report.topics, start=1)
    ]
    sections: list[Section[Any]] = [*trends, *scores, *topics]
    context = {
        "programme": programme,
        "trends": trends,
        "scores": scores,
        "topics": topics,
        "comments": report.comments,
        "withheld": report.withheld,
        "k": report.policy.k,
        "comment_min": max(report.policy.k, disclosure.COMMENT_MIN),
    }
    return Page("dashboard/pulse.html", context, [s.chart for s in sections if s.chart])


def _comparison(programme: Programme) -> tuple[BuilderResult | None, str | None]:
    """The comparison the query string asks for (None before one is chosen), or the
    sentence that says what to correct on the form."""
    try:
        built = parse_request(_args())
        if built is None:
            return None, None
        return build_comparison(current.session(), programme, built, _k(), date.today()), None
    except BadQuery as exc:
        return None, sentence(exc)


def planned_orders(
    plan: Plan, result: BuilderResult | None, rounds: list[SurveyRound]
) -> dict[str, int]:
    """Outcome key -> its place in the evaluation plan, for the rows of ``result`` that are the
    plan's own comparison (same comparison, test and rounds); every other row is exploratory."""
    if result is None:
        return {}
    asked = result.request
    ids = [r.id for r in rounds]
    same = asked.test == "welch" and asked.round_id in (None, ids[-1] if ids else None)
    if asked.comparison == "did":
        same = asked.test == "welch" and (asked.baseline_id, asked.followup_id) in (
            (None, None),
            (ids[0] if ids else None, ids[-1] if ids else None),
        )
    orders = {item.key: i for i, item in enumerate(plan.items, start=1)}
    return {
        row.outcome.key: orders[(row.outcome.key, asked.comparison)]
        for row in result.rows
        if same and (row.outcome.key, asked.comparison) in orders
    }


def compare_page(programme: Programme) -> Page:
    """The builder's form (holding what was sent, even when refused) and its results."""
    result, error = _comparison(programme)
    rounds = climate_rounds(current.session(), programme.id)
    plan = plan_state(current.session(), programme.id).plan
    context = {
        "planned": planned_orders(plan, result, rounds),
        "programme": programme,
        "form": request.args,
        "error": error,
        "result": result,
        "outcomes": outcomes(),
        "allowed_for": allowed_for,
        "comparisons": COMPARISONS,
        "tests": TESTS,
        "rounds": rounds,
        "later_first": list(reversed(rounds)),
        **_helpers(programme),
    }
    status = 400 if error else 200
    return Page("dashboard/compare.html", context, compare_charts(result), status)


def _retention(programme: Programme) -> tuple[str, int, list[SurvivalView]]:
    """The split and months the query string asks for, and a curve per outcome; 400 if invalid."""
    args = _args()
    split = (args.get("groups") or ["participants"])[0]
    if split not in SPLITS:
        abort(400, description=f"'groups' must be one of {', '.join(SPLITS)}.")
    text = (args.get("months") or ["12"])[0]
    if not re.fullmatch(r"[0-9]{1,4}", text) or not 1 <= int(text) <= 120:
        abort(400, description="'months' must be a whole number from 1 to 120.")
    views = [
        survival_view(current.session(), programme, outcome, split, _k(), date.today(), int(text))
        for outcome in ("retention", "promotion")
    ]
    return split, int(text), views


def retention_page(programme: Programme) -> Page:
    split, months, views = _retention(programme)
    sections = [
        Section(
            f"km-{view.outcome}",
            view,
            survival_chart(view, f"km-{view.outcome}") if view.points else None,
        )
        for view in views
    ]
    context = {
        "programme": programme,
        "split": split,
        "splits": SPLITS,
        "months": months,
        "views": sections,
        **_helpers(programme),
    }
    return Page("dashboard/retention.html", context, [s.chart for s in sections if s.chart])


#: Every dashboard page with charts, by the name its URLs use.
PAGES: dict[str, Callable[[Programme], Page]] = {
    "overview": overview_page,
    "headline": headline_page,
    "pulse": pulse_page,
    "compare": compare_page,
    "retention": retention_page,
}
