"""Charts as data: a Vega-Lite spec (or a hand-written SVG) plus the rows of its table.

A :class:`Chart` renders three ways from one source: inline SVG for the page
(``vl-convert`` runs Vega in-process, so no script reaches the browser and
nothing comes from a CDN), PNG for download, and CSV from exactly the rows
its HTML table shows. Rows hold display strings made by :func:`cell`, so a
suppressed number is the word "suppressed" in the table, the CSV and the
chart alike -- never 0 and never blank.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import vl_convert
from markupsafe import Markup, escape

from surveys import disclosure

SUPPRESSED = "suppressed"
#: Vega-Lite settings every chart shares: Vega's own ARIA tree is left out because
#: the whole SVG is one labelled image with a table beside it.
CONFIG: dict[str, Any] = {
    "aria": False,
    "font": "sans-serif",
    "view": {"stroke": None},
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 320},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 320},
}
#: Colour-blind-safe categorical palette (Okabe–Ito).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]


@dataclass(frozen=True)
class Chart:
    """One chart: a stable id (its download name), a title, and its table's rows."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    spec: dict[str, Any] | None = None
    svg: Markup | None = None
    notes: list[str] = field(default_factory=list)
    #: (label, colour) drawn under a hand-written chart's PNG (its page has an HTML legend).
    legend: Sequence[tuple[str, str]] = ()


def cell(result: disclosure.Result, digits: int = 0, percent: bool = False) -> str:
    """A disclosed number as table text; a hidden one is the word 'suppressed'."""
    if isinstance(result, disclosure.Suppressed):
        return SUPPRESSED
    text = f"{result.value:,.{digits}f}"
    return f"{text}%" if percent else text


def number(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _full_spec(chart: Chart) -> dict[str, Any]:
    assert chart.spec is not None
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "background": "white",
        **chart.spec,
        "config": {**CONFIG, "range": {"category": PALETTE}, **chart.spec.get("config", {})},
    }


def _svg_text(chart: Chart) -> str:
    if chart.svg is not None:
        return str(chart.svg)
    return _render_svg(json.dumps(_full_spec(chart), sort_keys=True))


@lru_cache(maxsize=256)
def _render_svg(spec: str) -> str:
    """Rendering costs tens of milliseconds; the same spec (same numbers) gives the same SVG."""
    return str(vl_convert.vegalite_to_svg(json.loads(spec)))


def inline_svg(chart: Chart) -> Markup:
    """The chart as an accessible inline SVG image named by its title."""
    if chart.svg is not None:
        return chart.svg
    text = _svg_text(chart)
    opening = re.match(r"<svg\b[^>]*>", text)
    assert opening is not None
    tag = re.sub(r'\swidth="[\d.]+"', ' width="100%"', opening.group(0), count=1)
    tag = re.sub(r'\sheight="[\d.]+"', "", tag, count=1)
    tag = tag.replace(
        "<svg",
        f'<svg role="img" aria-labelledby="{chart.id}-title" class="chart chart-wide"',
        1,
    )
    title = (
        f'<title id="{chart.id}-title">{escape(chart.title)} '
        "(the table below holds the same numbers)</title>"
    )
    # One labelled image: Vega's own ARIA roles inside it would be unnamed graphics.
    body = re.sub(r'\s(?:role|aria-roledescription|aria-label)="[^"]*"', "", text[opening.end() :])
    return Markup(tag + title + body)


def png(chart: Chart) -> bytes:
    """PNG bytes for download, at twice the on-screen resolution."""
    if chart.svg is not None:
        return bytes(vl_convert.svg_to_png(_standalone(chart), scale=2))
    return bytes(vl_convert.vegalite_to_png(_full_spec(chart), scale=2))


def _standalone(chart: Chart) -> str:
    """A hand-written inline SVG made readable on its own: title above, legend below.

    On the page the title is a heading and the legend is HTML; a downloaded
    image has neither unless they are drawn into it.
    """
    svg = str(chart.svg)
    box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    width, height = (float(box.group(1)), float(box.group(2))) if box else (640.0, 400.0)
    inner = svg.replace('width="100%"', f'width="{width:g}" height="{height:g}" y="28"', 1)
    inner = inner.replace("<text ", '<text font-family="sans-serif" font-size="13" ')
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" '
        f'height="{height + 60:g}" viewBox="0 0 {width:g} {height + 60:g}">',
        f'<rect width="{width:g}" height="{height + 60:g}" fill="white"/>',
        f'<text x="0" y="18" font-family="sans-serif" font-size="14" font-weight="bold">'
        f"{escape(chart.title)}</text>",
        inner,
    ]
    x = 0.0
    for label, colour in chart.legend:
        parts.append(
            f'<rect x="{x:g}" y="{height + 38:g}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16:g}" y="{height + 48:g}" font-family="sans-serif" '
            f'font-size="12">{escape(label)}</text>'
        )
        x += 24 + 7 * len(label)
    parts.append("</svg>")
    return "".join(parts)


def csv_text(chart: Chart) -> str:
    """The chart's table as CSV (a UTF-8 BOM so spreadsheet programs read accents)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(chart.columns)
    writer.writerows(chart.rows)
    return "\ufeff" + out.getvalue()


def find(charts: Sequence[Chart], chart_id: str) -> Chart | None:
    return next((c for c in charts if c.id == chart_id), None)
