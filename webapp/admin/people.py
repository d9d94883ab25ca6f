"""Uploading a firm's HR file: the import page with its row-by-row report."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
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
from webapp import database
from webapp.admin.forms import PeopleImportForm
from webapp.admin.routes import bp
from webapp.auth.routes import ensure_can_manage, login_required
from webapp.errors import sentence


def managed_firm(firm_id: int) -> Firm:
    """The firm if the signed-in account may manage it; 404 otherwise (no existence leak)."""
    firm = database.session().get(Firm, firm_id)
    if firm is None:
        abort(404)
    ensure_can_manage(firm.id)
    return firm


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
    firm = managed_firm(firm_id)
    form = PeopleImportForm()
    if not form.is_submitted():
        return _page(firm, form, [])
    if not form.validate():
        return _page(firm, form, [], 422)
    session = database.session()
    try:
        result = import_people(session, firm.id, read_csv(form.file.data.read()))
    except ImportRejected as exc:
        session.rollback()
        form.file.errors = [f"{sentence(exc)} Correct the rows below and upload again."]
        return _page(firm, form, exc.problems, 422)
    session.commit()
    flash(f"Imported: {result}.", "info")
    return redirect(url_for("admin.import_people_page", firm_id=firm.id), code=303)
