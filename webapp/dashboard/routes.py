"""The D&I lead's dashboard views: the programme list, five pages, and their chart downloads.

Each page view is one line over :func:`_render`; what a page shows is built in
:mod:`webapp.dashboard.pages`, which the downloads call too. Every view scopes
the programme with :func:`~webapp.auth.access.programme_or_404` (404 for another
firm's).
"""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from surveys.db.models import Firm, Programme
from surveys.services.accounts import firm_scope
from surveys.services.members import readable_programme_ids
from webapp import current
from webapp.auth.access import login_required, programme_or_404, signed_in
from webapp.dashboard.blueprint import bp
from webapp.dashboard.downloads import chart_file, downloads
from webapp.dashboard.navigation import navigation
from webapp.dashboard.pages import PAGES
from webapp.dashboard.vega import find, inline_svg


@bp.get("/")
@login_required()
def index() -> ResponseReturnValue:
    account = signed_in()
    query = select(Programme).join(Firm).order_by(Firm.name, Programme.name)
    scope = firm_scope(account)
    if scope is not None:
        query = query.where(Programme.firm_id.in_(scope))
    programmes = list(current.session().scalars(query))
    return render_template(
        "dashboard/index.html",
        account=account,
        programmes=programmes,
        shared=_shared(scope),
        nav=navigation(),
    )


def _shared(scope: set[int] | None) -> list[Programme]:
    """Other organisations' programmes the account reads as a member or a coordinator."""
    readable = readable_programme_ids(current.session(), signed_in())
    if readable is None:
        return []
    query = select(Programme).where(
        Programme.id.in_(sorted(readable)), Programme.firm_id.not_in(sorted(scope or ()))
    )
    return list(current.session().scalars(query.order_by(Programme.name)))


def _render(name: str, programme_id: int) -> ResponseReturnValue:
    """Page ``name`` of the programme, its charts by id and each chart's download links."""
    programme = programme_or_404(programme_id)
    page = PAGES[name](programme)
    html = render_template(
        page.template,
        **page.context,
        charts={chart.id: chart for chart in page.charts},
        downloads=downloads(name, programme.id, page.charts),
        svg=inline_svg,
        nav=navigation(programme, name),
    )
    return html, page.status


@bp.get("/programmes/<int:programme_id>")
@login_required("admin", "lead", "researcher")
def overview(programme_id: int) -> ResponseReturnValue:
    return _render("overview", programme_id)


@bp.get("/programmes/<int:programme_id>/headline")
@login_required("admin", "lead", "researcher")
def headline(programme_id: int) -> ResponseReturnValue:
    return _render("headline", programme_id)


@bp.get("/programmes/<int:programme_id>/pulse")
@login_required("admin", "lead", "researcher")
def pulse(programme_id: int) -> ResponseReturnValue:
    return _render("pulse", programme_id)


@bp.get("/programmes/<int:programme_id>/compare")
@login_required("admin", "lead", "researcher")
def compare(programme_id: int) -> ResponseReturnValue:
    return _render("compare", programme_id)


@bp.get("/programmes/<int:programme_id>/retention")
@login_required("admin", "lead", "researcher")
def retention(programme_id: int) -> ResponseReturnValue:
    return _render("retention", programme_id)


@bp.get(
    "/programmes/<int:programme_id>/<any(overview,pulse,compare,retention):page>/charts/<chart_id>.<any(png,csv):fmt>"
)
@login_required("admin", "lead", "researcher")
def chart_download(programme_id: int, page: str, chart_id: str, fmt: str) -> ResponseReturnValue:
    """One chart of a page as PNG or CSV, rebuilt by the page's own builder from its query."""
    programme = programme_or_404(programme_id)
    built = PAGES[page](programme)
    if built.status != 200:  # the page's form was refused: say why, as the page does
        abort(built.status, description=built.context.get("error"))
    chart = find(built.charts, chart_id)
    if chart is None:
        abort(404, description=f"This page has no chart {chart_id[:60]!r} for that query.")
    return chart_file(chart, fmt, f"{programme.id}-{page}-{chart.id}")
