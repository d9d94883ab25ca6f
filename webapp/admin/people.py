"""Uploading a firm's HR file: the import page with its row-by-row report, a template to
download, and the next step after an import (enrolling the people)."""

from __future__ import annotations

import csv
import io

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from surveys.db.models import Firm, Programme
from surveys.services.people import (
    COLUMNS,
    REQUIRED,
    ImportRejected,
    RowProblem,
    import_people,
    read_csv,
)
from webapp import current
from webapp.admin.blueprint import bp
from webapp.admin.forms import PeopleImportForm
from webapp.auth.access import firm_or_404, login_required
from webapp.errors import sentence


def _page(
    firm: Firm, form: PeopleImportForm, problems: list[RowProblem], status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "admin/people_import.html",
        firm=firm,
        form=form,
        problems=problems,
        columns=COLUMNS,
        required=REQUIRED,
        imported=request.args.get("imported") == "1",
        programmes=current.session().scalars(
            select(Programme)
            .where(Programme.firm_id == firm.id, Programme.status != "closed")
            .order_by(Programme.name)
        ),
    ), status


@bp.route("/firms/<int:firm_id>/people/import", methods=["GET", "POST"])
@login_required("admin", "lead")
def import_people_page(firm_id: int) -> ResponseReturnValue:
    firm = firm_or_404(firm_id)
    form = PeopleImportForm()
    if not form.is_submitted():
        return _page(firm, form, [])
    if not form.validate():
        return _page(firm, form, [], 422)
    session = current.session()
    try:
        result = import_people(session, firm.id, read_csv(form.file.data.read()))
    except ImportRejected as exc:
        session.rollback()
        form.file.errors = [f"{sentence(exc)} Correct the rows below and upload again."]
        return _page(firm, form, exc.problems, 422)
    session.commit()
    flash(f"Imported: {result}.", "info")
    return redirect(url_for("admin.import_people_page", firm_id=firm.id, imported=1), code=303)


#: One example row of the template, in COLUMNS order.
_EXAMPLE = {
    "internal_id": "HR0001",
    "email": "ada.lovelace@example.com",
    "level": "associate",
    "practice_area": "Corporate",
    "office": "London",
    "start_date": "2022-09-01",
    "working_pattern": "full-time",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "manager_id": "HR0002",
    "team": "M&A 1",
    "language": "en",
}


@bp.get("/firms/<int:firm_id>/people/template.csv")
@login_required("admin", "lead")
def people_template(firm_id: int) -> ResponseReturnValue:
    """An empty HR file with every column and one example row, to fill in."""
    firm_or_404(firm_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow([_EXAMPLE.get(c, "") for c in COLUMNS])
    response = current_app.make_response(buffer.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="people-template.csv"'
    return response
