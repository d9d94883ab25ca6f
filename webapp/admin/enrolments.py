"""Bulk enrolment: a CSV of ``internal_id,role`` into a programme, with a row-by-row report."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from surveys.db.models import Programme
from surveys.services.people import (
    ENROLMENT_COLUMNS,
    ImportRejected,
    RowProblem,
    enrol_from_rows,
    read_enrolment_csv,
)
from webapp import current
from webapp.admin.blueprint import bp
from webapp.admin.forms import EnrolmentImportForm
from webapp.auth.access import login_required, programme_or_404
from webapp.errors import sentence


def _page(
    programme: Programme,
    form: EnrolmentImportForm,
    problems: list[RowProblem],
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "admin/enrolment_import.html",
        programme=programme,
        form=form,
        problems=problems,
        columns=ENROLMENT_COLUMNS,
    ), status


@bp.route("/programmes/<int:programme_id>/enrolments/import", methods=["GET", "POST"])
@login_required("admin", "lead")
def import_enrolments(programme_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    form = EnrolmentImportForm()
    if not form.is_submitted():
        return _page(programme, form, [])
    if not form.validate():
        return _page(programme, form, [], 422)
    session = current.session()
    try:
        result = enrol_from_rows(session, programme.id, read_enrolment_csv(form.file.data.read()))
    except ImportRejected as exc:
        session.rollback()
        form.file.errors = [f"{sentence(exc)} Correct the rows below and upload again."]
        return _page(programme, form, exc.problems, 422)
    session.commit()
    flash(f"Enrolled: {result}.", "info")
    return redirect(url_for("admin.programme_people", programme_id=programme.id), code=303)
