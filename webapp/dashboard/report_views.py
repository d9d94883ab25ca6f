"""The programme report: the headline, the evaluation plan and the methods, to print or as PDF.

One template, ``dashboard/report.html``, is both the printable page and the
PDF's source (WeasyPrint renders it; nothing is fetched: the chart is a PNG
drawn by vl-convert and inlined as a data URI, the styles are in the page).
The chart of the planned comparisons' standardised effects is followed by its
table, so the PDF holds every number as text too.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from flask import Response, render_template
from flask.typing import ResponseReturnValue

from surveys.domain.plan import CORRECTIONS
from surveys.domain.plan_power import alpha_per_step, planned_power
from surveys.reports.headline import headline_report
from surveys.reports.headline_values import PlannedFinding
from surveys.services.plans import plan_state
from surveys.stats.wording import fmt_p
from webapp import current
from webapp.auth.access import login_required, programme_or_404
from webapp.dashboard.blueprint import bp
from webapp.dashboard.navigation import navigation
from webapp.dashboard.vega import Chart, number, png


def _short(finding: PlannedFinding) -> str:
    """A chart label: the comparison in two words, then the outcome, cut to fit."""
    kind = finding.comparison.split(" (")[0].replace(
        "Participants vs comparison group", "vs comparison"
    )
    text = finding.label.split(": ", 1)[-1]
    return f"{kind}: {text}"[:90]


def effects_chart(findings: list[PlannedFinding]) -> Chart:
    """Each planned comparison's standardised effect with its 95% interval, in plan order."""
    rows = [
        (
            str(f.order),
            f.label,
            f.comparison,
            number(f.effect),
            number(f.effect_interval[0]) if f.effect_interval else "",
            number(f.effect_interval[1]) if f.effect_interval else "",
            fmt_p(f.pvalue_adjusted) if f.pvalue_adjusted is not None else "not tested",
        )
        for f in findings
    ]
    values = [
        {
            "planned": f"{f.order}. {_short(f)}",
            "effect": f.effect,
            "low": f.effect_interval[0] if f.effect_interval else f.effect,
            "high": f.effect_interval[1] if f.effect_interval else f.effect,
        }
        for f in findings
        if f.effect is not None and not f.effect_name.startswith("hazard")
    ]
    y = {"field": "planned", "type": "nominal", "title": None, "sort": None}
    spec: dict[str, Any] = {
        "data": {"values": values},
        "width": 360,
        "config": {"axis": {"labelLimit": 420}},
        "layer": [
            {"mark": {"type": "rule", "color": "#555"}, "encoding": {"x": {"datum": 0}}},
            {
                "mark": {"type": "rule", "color": "#0072B2"},
                "encoding": {
                    "y": y,
                    "x": {"field": "low", "type": "quantitative", "title": "Standardised effect"},
                    "x2": {"field": "high"},
                },
            },
            {
                "mark": {"type": "point", "filled": True, "color": "#0072B2", "size": 60},
                "encoding": {"y": y, "x": {"field": "effect", "type": "quantitative"}},
            },
        ],
    }
    columns = ("#", "Outcome", "Comparison", "Effect", "CI low", "CI high", "p (corrected)")
    return Chart(
        "planned-effects",
        "Planned comparisons: standardised effect and 95% interval (0 = no difference)",
        columns,
        rows,
        spec=spec,
    )


def _report(programme_id: int, printable: bool) -> str:
    programme = programme_or_404(programme_id)
    session = current.session()
    headline = headline_report(session, programme, current.settings().min_group_size)
    state = plan_state(session, programme.id)
    chart = effects_chart(headline.planned)
    drawn = any(f.effect is not None for f in headline.planned)
    image = base64.b64encode(png(chart)).decode("ascii") if drawn else ""
    return render_template(
        "dashboard/report.html",
        programme=programme,
        firm=programme.firm,
        today=datetime.now(UTC).date(),
        headline=headline,
        state=state,
        powers={item.key: planned_power(state.plan, item) for item in state.plan.items},
        alpha_step=alpha_per_step(state.plan),
        correction=CORRECTIONS[state.plan.correction],
        chart=chart,
        image=image,
        fmt_p=fmt_p,
        printable=printable,
        nav=navigation(programme, "report"),
    )


@bp.get("/programmes/<int:programme_id>/report")
@login_required("admin", "lead", "researcher")
def report(programme_id: int) -> ResponseReturnValue:
    return _report(programme_id, True)


@bp.get("/programmes/<int:programme_id>/report.pdf")
@login_required("admin", "lead", "researcher")
def report_pdf(programme_id: int) -> ResponseReturnValue:
    """The report as a PDF (WeasyPrint), ready to send to a board."""
    from weasyprint import HTML  # noqa: PLC0415 - loads Pango; only this view needs it

    html = _report(programme_id, False)
    pdf = HTML(string=html).write_pdf()
    programme = programme_or_404(programme_id)
    name = f"flipside-report-{programme.id}-{datetime.now(UTC).date().isoformat()}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
