"""Uploading a firm's HR file: the import page with its row-by-row report."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from surveys.db.models import Firm
from surveys.services.people import (
    COLUMNS,
    REQUIRED,
    ImportRejected,
    RowProblem,
    import_people,
    read_csv,
)
from webapp import current
from webapp.admin import bp
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
    return redirect(url_for("admin.import_people_page", firm_id=firm.id), code=303)
