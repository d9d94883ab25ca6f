"""Server-side SVG charts: no script, no CDN; each sits beside a table of the same numbers."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from surveys.disclosure import Suppressed
from surveys.services.pulse_trends import LikertTrend

#: Colour-blind-safe diverging palette, disagree (red) to agree (blue).
COLOURS = ("#b2182b", "#ef8a62", "#bababa", "#67a9cf", "#2166ac")
WIDTH, LABEL, ROW, HALF = 640, 80, 30, 260


def _rect(x: float, y: float, width: float, colour: str, title: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y}" width="{max(width, 0):.1f}" height="{ROW - 8}" '
        f'fill="{colour}"><title>{escape(title)}</title></rect>'
    )


def diverging_bars(trend: LikertTrend, chart_id: str) -> Markup:
    """One bar per month: disagreement left of the centre line, agreement right.

    The neutral answer straddles the centre. A suppressed month shows its
    reason in place of a bar.
    """
    centre = LABEL + 20 + HALF
    height = ROW * len(trend.months) + 14
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title" class="chart">',
        f'<title id="{chart_id}-title">{escape(trend.question_text)}: share of each answer '
        "per month (the table below holds the same numbers)</title>",
    ]
    for row, month in enumerate(trend.months):
        y = 10 + ROW * row
        middle = y + ROW / 2
        parts.append(
            f'<text x="0" y="{middle}" dominant-baseline="middle">{escape(month.period)}</text>'
        )
        if isinstance(month.n, Suppressed) or not month.shares:
            reason = month.n.reason if isinstance(month.n, Suppressed) else "no answers"
            parts.append(
                f'<text x="{LABEL + 20}" y="{middle}" dominant-baseline="middle" '
                f'font-style="italic">{escape(reason)}</text>'
            )
            continue
        s = [share * HALF / 100 for share in month.shares]
        left = centre - s[0] - s[1] - s[2] / 2
        for value, width in enumerate(s):
            label = f"{month.period}: {trend.labels[value]} {month.shares[value]:.0f}%"
            parts.append(_rect(left, y, width, COLOURS[value], label))
            left += width
    axis_y = 10 + ROW * len(trend.months)
    parts.append(f'<line x1="{centre}" y1="4" x2="{centre}" y2="{axis_y}" stroke="#1b1b1f"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(labels: Sequence[str]) -> list[tuple[str, str]]:
    """(label, colour) per answer, for the HTML legend under a chart."""
    return list(zip(labels, COLOURS, strict=True))
