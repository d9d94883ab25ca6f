"""Research exports in the web UI: request, progress, the requester's one-step download,
single-use download links, the audit log."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from wtforms import SelectChoice

from surveys.db.models import ExportRequest, Firm, Programme, SurveyRound
from surveys.definitions import catalogue
from surveys.services import exports as svc
from surveys.services.accounts import firm_scope
from surveys.services.errors import ServiceError
from surveys.services.exports.dp import request_dp_export
from webapp import current
from webapp.admin.forms import ConfirmForm
from webapp.auth.access import login_required, signed_in
from webapp.downloads import send_bundle
from webapp.errors import sentence
from webapp.exports.blueprint import bp
from webapp.exports.forms import DpExportForm, ExportForm


def _form() -> ExportForm:
    account = signed_in()
    session = current.session()
    allowed = firm_scope(account)
    firms = select(Firm).order_by(Firm.name)
    programmes = select(Programme).order_by(Programme.name)
    if allowed is not None:
        firms = firms.where(Firm.id.in_(allowed))
        programmes = programmes.where(Programme.firm_id.in_(allowed))
    form = ExportForm()
    form.firms.choices = [SelectChoice(f.id, f.name) for f in session.scalars(firms)]
    form.programme.choices = [SelectChoice(0, "Every programme")] + [
        SelectChoice(p.id, f"{p.name} ({p.firm.name})") for p in session.scalars(programmes)
    ]
    keys = sorted({(d.key, d.title) for d in catalogue().all()})
    form.surveys.choices = [SelectChoice(k, f"{title} ({k})") for k, title in keys]
    return form


def _dp_form() -> DpExportForm:
    account = signed_in()
    allowed = firm_scope(account)
    rounds = select(SurveyRound, Programme).join(Programme).order_by(SurveyRound.id)
    if allowed is not None:
        rounds = rounds.where(Programme.firm_id.in_(allowed))
    form = DpExportForm(prefix="dp")
    form.round_id.choices = [
        SelectChoice(r.id, f"{p.name}: {r.label} ({r.survey_key})")
        for r, p in current.session().execute(rounds).all()
    ]
    return form


def _index(
    form: ExportForm, status: int = 200, dp_form: DpExportForm | None = None
) -> ResponseReturnValue:
    account = signed_in()
    mine = current.session().scalars(
        select(ExportRequest)
        .where(ExportRequest.account_id == account.id)
        .order_by(ExportRequest.id.desc())
    )
    return render_template(
        "exports/index.html", form=form, dp_form=dp_form or _dp_form(), exports=list(mine)
    ), status


@bp.get("")
@login_required(*svc.EXPORTERS)
def index() -> ResponseReturnValue:
    return _index(_form())


@bp.post("")
@login_required(*svc.EXPORTERS)
def request_export() -> ResponseReturnValue:
    form = _form()
    if not form.validate_on_submit():
        return _index(form, 422)
    account = signed_in()
    wanted = svc.ScopeInput(
        firm_ids=tuple(form.firms.data or ()),
        programme_id=form.programme.data or None,
        survey_keys=tuple(form.surveys.data or ()),
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )
    session = current.session()
    try:
        export = svc.request_export(
            session,
            account,
            wanted,
            include_comments=bool(form.include_comments.data),
            protect=form.protect(),
            default_k=current.settings().min_group_size,
        )
    except ServiceError as exc:
        session.rollback()
        if exc.status == 403:
            abort(403, str(exc))
        # A priority order the scope's release was not made with (409) belongs to the order.
        (form.protect_1 if exc.status == 409 else form.firms).errors = [sentence(exc)]
        return _index(form, exc.status)
    session.commit()
    return redirect(url_for("exports.status", export_id=export.id), code=303)


@bp.post("/dp")
@login_required(*svc.EXPORTERS)
def request_dp() -> ResponseReturnValue:
    form = _dp_form()
    if not form.validate_on_submit():
        return _index(_form(), 422, form)
    account = signed_in()
    session = current.session()
    try:
        export = request_dp_export(
            session, account, form.round_id.data or 0, float(form.epsilon.data or 0), form.by.data
        )
    except ServiceError as exc:
        session.rollback()
        if exc.status == 403:
            abort(403, str(exc))
        form.epsilon.errors = [sentence(exc)]
        return _index(_form(), exc.status, form)
    session.commit()
    return redirect(url_for("exports.status", export_id=export.id), code=303)


def _status_page(export: ExportRequest, link: str | None = None) -> ResponseReturnValue:
    response = current_app.make_response(
        render_template("exports/status.html", export=export, link=link, form=ConfirmForm())
    )
    if link is not None:
        response.headers["Cache-Control"] = "no-store"
    elif export.status in {"queued", "running"}:
        response.headers["Refresh"] = "3"  # progress without script
    return response


@bp.get("/<int:export_id>")
@login_required(*svc.EXPORTERS)
def status(export_id: int) -> ResponseReturnValue:
    account = signed_in()
    return _status_page(svc.visible_export(current.session(), account, export_id))


@bp.post("/<int:export_id>/link")
@login_required(*svc.EXPORTERS)
def link(export_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    account = signed_in()
    session = current.session()
    token = svc.issue_link(session, account, export_id)
    session.commit()
    export = svc.visible_export(session, account, export_id)
    return _status_page(export, url_for("exports.download", token=token, _external=True))


@bp.get("/<int:export_id>/bundle")
@login_required(*svc.EXPORTERS)
def bundle(export_id: int) -> ResponseReturnValue:
    """One step for the requester: their own finished bundle, straight from the status page."""
    account = signed_in()
    session = current.session()
    export, name = svc.bundle_of(session, account, export_id, current.settings().bundles)
    session.commit()
    return send_bundle(export, name)


@bp.get("/download/<token>")
@login_required(*svc.EXPORTERS)
def download(token: str) -> ResponseReturnValue:
    account = signed_in()
    session = current.session()
    export, name = svc.download(session, account, token, current.settings().bundles)
    session.commit()
    return send_bundle(export, name)


@bp.get("/audit")
@login_required("admin")
def audit() -> ResponseReturnValue:
    return render_template("exports/audit.html", rows=svc.audit_log(current.session()))
