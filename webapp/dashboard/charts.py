"""Server-side SVG charts: no script, no CDN; each sits beside a table of the same numbers.

Each chart is a function of one data object (a trend or a set of shares) returning
Markup, so other renderings of the same object (PNG, CSV downloads) can be added
beside it without touching the page.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from surveys.disclosure import Suppressed
from surveys.reports.pulse import LikertTrend
from surveys.reports.pulse_details import ScoreTrend, TopicShares

#: Colour-blind-safe diverging palette, disagree (red) to agree (blue).
COLOURS = ("#b2182b", "#ef8a62", "#bababa", "#67a9cf", "#2166ac")
#: Text on each bar colour with at least 4.5:1 contrast.
TEXT_ON = ("#ffffff", "#1b1b1f", "#1b1b1f", "#1b1b1f", "#ffffff")
#: A bar narrower than this (in SVG units) is too small to hold its percentage.
LABEL_MIN_WIDTH = 28
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
            if width >= LABEL_MIN_WIDTH:  # the share written on its bar, where it fits
                parts.append(
                    f'<text x="{left + width / 2:.1f}" y="{middle}" text-anchor="middle" '
                    f'dominant-baseline="middle" style="font-size:12px" fill="{TEXT_ON[value]}">'
                    f"{month.shares[value]:.0f}%</text>"
                )
            left += width
    axis_y = 10 + ROW * len(trend.months)
    parts.append(f'<line x1="{centre}" y1="4" x2="{centre}" y2="{axis_y}" stroke="#1b1b1f"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(labels: Sequence[str]) -> list[tuple[str, str]]:
    """(label, colour) per answer, for the HTML legend under a chart."""
    return list(zip(labels, COLOURS, strict=True))


#: The line chart's plot area (inside the axis labels).
PLOT_LEFT, PLOT_TOP, PLOT_WIDTH, PLOT_HEIGHT = 60, 16, 550, 200
LINE_COLOUR, BAND_COLOUR, BAR_COLOUR = "#2166ac", "#c6dbef", "#2166ac"


def score_line(trend: ScoreTrend, chart_id: str) -> Markup:
    """The mean 0-10 score per month as a line, its 95% interval as a band and whiskers.

    Suppressed months leave a gap in the line (never a zero) and say
    "suppressed" in place, in the plot above their month; the y axis always
    runs 0-10 so months compare honestly. Month labels are slanted so that a
    year of them never runs together into one string.
    """
    months = trend.months
    step = PLOT_WIDTH / max(len(months), 1)
    height = PLOT_TOP + PLOT_HEIGHT + 70

    def x(index: int) -> float:
        return PLOT_LEFT + step * (index + 0.5)

    def y(value: float) -> float:
        return PLOT_TOP + PLOT_HEIGHT * (1 - value / 10)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title" class="chart">',
        f'<title id="{chart_id}-title">{escape(trend.question_text)}: mean score (0-10) per '
        "month with its 95% interval (the table below holds the same numbers)</title>",
    ]
    for tick in (0, 5, 10):
        parts.append(
            f'<line x1="{PLOT_LEFT}" y1="{y(tick):.1f}" x2="{PLOT_LEFT + PLOT_WIDTH}" '
            f'y2="{y(tick):.1f}" stroke="#d0d0d7"/>'
            f'<text x="{PLOT_LEFT - 8}" y="{y(tick):.1f}" text-anchor="end" '
            f'dominant-baseline="middle">{tick}</text>'
        )
    segments: list[list[tuple[float, float]]] = [[]]
    for index, month in enumerate(months):
        label_y = PLOT_TOP + PLOT_HEIGHT + 14
        parts.append(
            f'<text x="{x(index):.1f}" y="{label_y}" text-anchor="end" style="font-size:12px" '
            f'transform="rotate(-40 {x(index):.1f} {label_y})" class="month">'
            f"{escape(month.period)}</text>"
        )
        if isinstance(month.mean, Suppressed):
            segments.append([])
            bottom = PLOT_TOP + PLOT_HEIGHT - 6
            parts.append(
                f'<text x="{x(index):.1f}" y="{bottom}" text-anchor="start" style="font-size:12px" '
                f'font-style="italic" transform="rotate(-90 {x(index):.1f} {bottom})" '
                f'class="suppressed">suppressed<title>{escape(month.period)}: '
                f"{escape(month.mean.reason)}</title></text>"
            )
            continue
        mean = month.mean.value
        segments[-1].append((x(index), y(mean)))
        title = f"{month.period}: mean {mean:.1f}"
        if month.interval is not None:
            low, high = month.interval
            title += f" (95% interval {low:.1f} to {high:.1f})"
            parts.append(
                f'<rect x="{x(index) - 6:.1f}" y="{y(high):.1f}" width="12" '
                f'height="{y(low) - y(high):.1f}" fill="{BAND_COLOUR}"/>'
                f'<line x1="{x(index):.1f}" y1="{y(high):.1f}" x2="{x(index):.1f}" '
                f'y2="{y(low):.1f}" stroke="{LINE_COLOUR}"/>'
            )
        parts.append(
            f'<circle cx="{x(index):.1f}" cy="{y(mean):.1f}" r="4" fill="{LINE_COLOUR}">'
            f"<title>{escape(title)}</title></circle>"
        )
    for segment in segments:
        if len(segment) > 1:
            points = " ".join(f"{px:.1f},{py:.1f}" for px, py in segment)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def topic_bars(topics: TopicShares, chart_id: str) -> Markup:
    """One horizontal bar per topic: the share of responses that chose it.

    A suppressed topic shows "suppressed" in place of its bar, never a zero.
    """
    label_width, bar_width = 200, WIDTH - 200 - 60
    height = ROW * len(topics.topics) + 14
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title" class="chart">',
        f'<title id="{chart_id}-title">{escape(topics.question_text)}: share of responses '
        "that chose each topic (the table below holds the same numbers)</title>",
    ]
    for row, topic in enumerate(topics.topics):
        y = 10 + ROW * row
        middle = y + ROW / 2
        parts.append(
            f'<text x="0" y="{middle}" dominant-baseline="middle">{escape(topic.label)}</text>'
        )
        if isinstance(topic.share, Suppressed):
            parts.append(
                f'<text x="{label_width}" y="{middle}" dominant-baseline="middle" '
                f'font-style="italic">suppressed<title>{escape(topic.label)}: '
                f"{escape(topic.share.reason)}</title></text>"
            )
            continue
        share = topic.share.value
        parts.append(
            _rect(
                label_width, y, bar_width * share / 100, BAR_COLOUR, f"{topic.label}: {share:.0f}%"
            )
        )
        parts.append(
            f'<text x="{label_width + bar_width * share / 100 + 6:.1f}" y="{middle}" '
            f'dominant-baseline="middle">{share:.0f}%</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
