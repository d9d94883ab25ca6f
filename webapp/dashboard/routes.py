"""D&I lead pages (the full dashboard grows here)."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from surveys import disclosure
from surveys.db.models import Firm, Programme
from surveys.reports.overview import programme_overview
from surveys.reports.pulse import pulse_report
from surveys.services.accounts import firm_scope
from webapp import current
from webapp.auth.access import login_required, programme_or_404, signed_in
from webapp.dashboard import bp
from webapp.dashboard.charts import diverging_bars, legend, score_line, topic_bars
from webapp.dashboard.page_charts import overview_charts
from webapp.dashboard.vega import inline_svg


@bp.get("/")
@login_required()
def index() -> ResponseReturnValue:
    account = signed_in()
    query = select(Programme).join(Firm).order_by(Firm.name, Programme.name)
    scope = firm_scope(account)
    if scope is not None:
        query = query.where(Programme.firm_id.in_(scope))
    programmes = list(current.session().scalars(query))
    return render_template("dashboard/index.html", account=account, programmes=programmes)


@bp.get("/programmes/<int:programme_id>")
@login_required("admin", "lead")
def overview(programme_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    settings = current.settings()
    result = programme_overview(current.session(), programme, settings.min_group_size)
    return render_template(
        "dashboard/overview.html", overview=result, svg=inline_svg, charts=overview_charts(result)
    )


@bp.get("/programmes/<int:programme_id>/pulse")
@login_required("admin", "lead")
def pulse(programme_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    settings = current.settings()
    report = pulse_report(current.session(), programme, settings.min_group_size)
    return render_template(
        "dashboard/pulse.html",
        programme=programme,
        trends=report.likert,
        scores=report.scores,
        topics=report.topics,
        comments=report.comments,
        withheld=report.withheld,
        chart=diverging_bars,
        score_chart=score_line,
        topic_chart=topic_bars,
        legend=legend,
        k=report.policy.k,
        comment_min=max(report.policy.k, disclosure.COMMENT_MIN),
    )
