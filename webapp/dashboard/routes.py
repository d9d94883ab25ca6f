"""D&I lead pages (the full dashboard grows here)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from surveys import disclosure
from surveys.db.models import Account, Firm, Programme
from surveys.reports.overview import programme_overview
from surveys.reports.pulse import pulse_report
from surveys.settings import Settings
from webapp import database
from webapp.auth.routes import current_account, login_required
from webapp.dashboard.charts import diverging_bars, legend, score_line, topic_bars
from webapp.dashboard.page_charts import overview_charts
from webapp.dashboard.vega import inline_svg

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
MAX_ID = 2**31 - 1


def _signed_in() -> Account:
    account = current_account()
    assert account is not None
    return account


def _programme_of(account: Account, programme_id: int) -> Programme:
    """The programme if the account may see its firm; 404 otherwise (no hint it exists)."""
    programme = database.session().get(Programme, programme_id) if programme_id <= MAX_ID else None
    if programme is None:
        abort(404)
    if account.role != "admin" and programme.firm_id not in {f.id for f in account.firms}:
        abort(404)
    return programme


@bp.get("/")
@login_required()
def index() -> ResponseReturnValue:
    account = _signed_in()
    query = select(Programme).join(Firm).order_by(Firm.name, Programme.name)
    if account.role != "admin":
        query = query.where(Programme.firm_id.in_([f.id for f in account.firms]))
    programmes = list(database.session().scalars(query))
    return render_template("dashboard/index.html", account=account, programmes=programmes)


@bp.get("/programmes/<int:programme_id>")
@login_required("admin", "lead")
def overview(programme_id: int) -> ResponseReturnValue:
    programme = _programme_of(_signed_in(), programme_id)
    settings: Settings = current_app.config["FLIPSIDE"]
    result = programme_overview(database.session(), programme, settings.min_group_size)
    return render_template(
        "dashboard/overview.html", overview=result, svg=inline_svg, charts=overview_charts(result)
    )


@bp.get("/programmes/<int:programme_id>/pulse")
@login_required("admin", "lead")
def pulse(programme_id: int) -> ResponseReturnValue:
    programme = _programme_of(_signed_in(), programme_id)
    settings: Settings = current_app.config["FLIPSIDE"]
    report = pulse_report(database.session(), programme, settings.min_group_size)
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
