"""The comparison builder, retention curves, and every chart's PNG / CSV download.

Each view scopes the programme exactly as the other dashboard pages do
(:func:`~webapp.auth.access.programme_or_404`: 404 for another firm's), and
a download recomputes its page from the same query string through the same
service, so it holds exactly what the page shows.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue

from surveys import disclosure
from surveys.db.models import Programme
from surveys.reports.builder import BuilderResult, build_comparison
from surveys.reports.builder.request import (
    COMPARISONS,
    BadQuery,
    BuilderRequest,
    outcomes,
    parse_request,
)
from surveys.reports.builder.sides import climate_rounds
from surveys.reports.overview import programme_overview
from surveys.reports.pulse import pulse_report
from surveys.reports.retention import SPLITS, SurvivalView, survival_view
from surveys.reports.two_cohorts import TESTS
from surveys.stats.wording import fmt_p
from webapp import current
from webapp.auth.access import login_required, programme_or_404
from webapp.dashboard import bp
from webapp.dashboard.page_charts import (
    compare_charts,
    overview_charts,
    pulse_charts,
    retention_charts,
)
from webapp.dashboard.vega import Chart, cell, csv_text, find, inline_svg, png
from webapp.errors import sentence

PAGES = ("overview", "pulse", "compare", "retention")
#: The query-string keys the pages read; only these are carried into download links.
QUERY_KEYS = frozenset(
    {"outcome", "comparison", "round", "baseline", "followup", "test", "adjust", "months", "groups"}
)


def _k() -> int:
    settings = current.settings()
    return settings.min_group_size


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _comparison(programme: Programme) -> tuple[BuilderRequest | None, BuilderResult | None]:
    try:
        built = parse_request(_args())
    except BadQuery as exc:
        abort(400, description=sentence(exc))
    if built is None:
        return None, None
    try:
        return built, build_comparison(current.session(), programme, built, _k(), date.today())
    except BadQuery as exc:
        abort(400, description=sentence(exc))


def _retention(programme: Programme) -> tuple[str, int, list[SurvivalView]]:
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


def _downloads(page: str, programme_id: int, chart: Chart) -> dict[str, str]:
    """The chart's download links, carrying the page's own query string."""
    query: dict[str, Any] = {
        key: values for key, values in request.args.lists() if key in QUERY_KEYS
    }
    return {
        fmt: url_for(
            "dashboard.chart_download",
            programme_id=programme_id,
            page=page,
            chart_id=chart.id,
            fmt=fmt,
            **query,
        )
        for fmt in ("png", "csv")
    }


def _helpers(programme: Programme) -> dict[str, Any]:
    """Formatting for the templates: every count goes through disclosure once more."""
    policy = disclosure.Policy.for_firm(programme.firm.min_group_size, _k())
    return {
        "k": policy.k,
        "fmt_p": fmt_p,
        "cell": cell,
        "count": lambda n: cell(disclosure.count(int(n), policy)),
    }


@bp.get("/programmes/<int:programme_id>/compare")
@login_required("admin", "lead")
def compare(programme_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    chosen, result = _comparison(programme)
    charts = compare_charts(result)
    return render_template(
        "dashboard/compare.html",
        programme=programme,
        chosen=chosen,
        result=result,
        outcomes=outcomes(),
        comparisons=COMPARISONS,
        tests=TESTS,
        rounds=climate_rounds(current.session(), programme.id),
        charts=charts,
        svg=inline_svg,
        downloads={c.id: _downloads("compare", programme.id, c) for c in charts},
        **_helpers(programme),
    )


@bp.get("/programmes/<int:programme_id>/retention")
@login_required("admin", "lead")
def retention(programme_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    split, months, views = _retention(programme)
    charts = retention_charts(views)
    return render_template(
        "dashboard/retention.html",
        programme=programme,
        split=split,
        splits=SPLITS,
        months=months,
        views=views,
        charts={c.id: c for c in charts},
        svg=inline_svg,
        downloads={c.id: _downloads("retention", programme.id, c) for c in charts},
        **_helpers(programme),
    )


def page_charts(page: str, programme: Programme) -> list[Chart]:
    """The charts ``page`` shows for this programme and query string."""
    session = current.session()
    if page == "overview":
        return overview_charts(programme_overview(session, programme, _k()))
    if page == "pulse":
        return pulse_charts(pulse_report(session, programme, _k()))
    if page == "compare":
        return compare_charts(_comparison(programme)[1])
    return retention_charts(_retention(programme)[2])


@bp.get(
    "/programmes/<int:programme_id>/<any(overview,pulse,compare,retention):page>/charts/<chart_id>.<any(png,csv):fmt>"
)
@login_required("admin", "lead")
def chart_download(programme_id: int, page: str, chart_id: str, fmt: str) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    chart = find(page_charts(page, programme), chart_id)
    if chart is None:
        abort(404, description=f"This page has no chart {chart_id[:60]!r} for that query.")
    name = f"{programme.id}-{page}-{chart.id}.{fmt}"
    if fmt == "png":
        body, mimetype = png(chart), "image/png"
    else:
        body, mimetype = csv_text(chart).encode("utf-8"), "text/csv; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
