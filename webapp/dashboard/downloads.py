"""A chart's download links (PNG and CSV) and the file each one answers with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response, request, url_for

from webapp.dashboard.vega import Chart, csv_text, png

#: The query-string keys the pages read; only these are carried into download links.
QUERY_KEYS = frozenset(
    {"outcome", "comparison", "round", "baseline", "followup", "test", "adjust", "months", "groups"}
)
FORMATS = ("png", "csv")


def downloads(page: str, programme_id: int, charts: Sequence[Chart]) -> dict[str, dict[str, str]]:
    """Each chart's links by its id, carrying the page's own query string."""
    query: dict[str, Any] = {
        key: values for key, values in request.args.lists() if key in QUERY_KEYS
    }
    return {
        chart.id: {
            fmt: url_for(
                "dashboard.chart_download",
                programme_id=programme_id,
                page=page,
                chart_id=chart.id,
                fmt=fmt,
                **query,
            )
            for fmt in FORMATS
        }
        for chart in charts
    }


def chart_file(chart: Chart, fmt: str, name: str) -> Response:
    """The chart as an attachment named ``name``.``fmt``, never cached."""
    if fmt == "png":
        body, mimetype = png(chart), "image/png"
    else:
        body, mimetype = csv_text(chart).encode("utf-8"), "text/csv; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response
