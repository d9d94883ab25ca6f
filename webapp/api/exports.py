"""Research exports over the API: request (202 + status URL), status, a link, the download."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue

from surveys.db.models import ExportRequest
from surveys.services import exports as svc
from surveys.services.exports.dp import request_dp_export
from webapp import current
from webapp.api.auth import ApiError, api_account, token_required
from webapp.api.blueprint import bp
from webapp.api.body import json_body
from webapp.downloads import send_bundle

DP_FIELDS = {"kind", "round_id", "epsilon", "by"}
EXPORT_FIELDS = {
    "kind",
    "firm_ids",
    "programme_id",
    "survey_keys",
    "date_from",
    "date_to",
    "include_comments",
    "protect",
}
MAX_ID = 2**31 - 1


def _id(value: Any, name: str) -> int:
    if type(value) is not int or not 1 <= value <= MAX_ID:
        raise ApiError(422, "invalid", f"{name} must be a positive integer")
    return value


def _date(value: Any, name: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ApiError(422, "invalid", f"{name} must be a date (YYYY-MM-DD)")


def _protect(body: dict[str, Any]) -> list[str]:
    given = body.get("protect", [])
    if not isinstance(given, list) or not all(isinstance(p, str) for p in given):
        raise ApiError(422, "invalid", "protect must be a list of quasi-identifier names")
    return given


def _scope_input(body: Any) -> tuple[svc.ScopeInput, bool]:
    if not isinstance(body, dict):
        raise ApiError(422, "invalid", "the body must be a JSON object")
    unknown = sorted(set(body) - EXPORT_FIELDS)
    if unknown:
        raise ApiError(422, "invalid", f"unknown field {unknown[0]!r}")
    firm_ids = body.get("firm_ids", [])
    keys = body.get("survey_keys", [])
    if not isinstance(firm_ids, list):
        raise ApiError(422, "invalid", "firm_ids must be a list of firm ids")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ApiError(422, "invalid", "survey_keys must be a list of survey keys")
    programme = body.get("programme_id")
    comments = body.get("include_comments", False)
    if not isinstance(comments, bool):
        raise ApiError(422, "invalid", "include_comments must be true or false")
    wanted = svc.ScopeInput(
        firm_ids=tuple(_id(i, "each firm id") for i in firm_ids),
        programme_id=None if programme is None else _id(programme, "programme_id"),
        survey_keys=tuple(keys),
        date_from=_date(body.get("date_from"), "date_from"),
        date_to=_date(body.get("date_to"), "date_to"),
    )
    return wanted, comments


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_json(export: ExportRequest) -> dict[str, Any]:
    return {
        "id": export.id,
        "kind": export.kind,
        "status": export.status,
        "rows_done": export.rows_done,
        "rows_total": export.rows_total,
        "message": export.message,
        "scope": export.scope,
        "options": export.options,
        "created_at": _time(export.created_at),
        "finished_at": _time(export.finished_at),
        "expires_at": _time(export.expires_at),
        "sha256": export.sha256,
        "status_url": url_for("api.export_status", export_id=export.id),
    }


def _dp_request(body: dict[str, Any]) -> ExportRequest:
    unknown = sorted(set(body) - DP_FIELDS)
    if unknown:
        raise ApiError(422, "invalid", f"{unknown[0]!r} does not apply to a DP export")
    epsilon = body.get("epsilon")
    if not isinstance(epsilon, int | float) or isinstance(epsilon, bool):
        raise ApiError(422, "invalid", "epsilon must be a number")
    by = body.get("by", "role")
    if not isinstance(by, str):
        raise ApiError(422, "invalid", "by must be a cohort attribute")
    return request_dp_export(
        current.session(), api_account(), _id(body.get("round_id"), "round_id"), float(epsilon), by
    )


@bp.post("/exports")
@token_required(*svc.EXPORTERS)
def request_export() -> ResponseReturnValue:
    body = json_body()
    session = current.session()
    if isinstance(body, dict) and body.get("kind") == "dp":
        export = _dp_request(body)
    else:
        if isinstance(body, dict) and body.get("kind", "rows") != "rows":
            raise ApiError(422, "invalid", "kind must be rows or dp")
        wanted, comments = _scope_input(
            {k: v for k, v in body.items() if k != "kind"} if isinstance(body, dict) else body
        )
        export = svc.request_export(
            session,
            api_account(),
            wanted,
            include_comments=comments,
            protect=_protect(body),
            default_k=current.settings().min_group_size,
        )
    session.commit()
    body = export_json(export)
    return jsonify(export=body), 202, {"Location": body["status_url"]}


@bp.get("/exports/<int:export_id>")
@token_required(*svc.EXPORTERS)
def export_status(export_id: int) -> ResponseReturnValue:
    export = svc.visible_export(current.session(), api_account(), export_id)
    return jsonify(export=export_json(export))


@bp.post("/exports/<int:export_id>/link")
@token_required(*svc.EXPORTERS)
def export_link(export_id: int) -> ResponseReturnValue:
    session = current.session()
    token = svc.issue_link(session, api_account(), export_id)
    session.commit()
    export = svc.visible_export(session, api_account(), export_id)
    return jsonify(
        download_url=url_for("api.export_download", token=token),
        expires_at=_time(export.expires_at),
    ), 201


@bp.get("/exports/<int:export_id>/bundle")
@token_required(*svc.EXPORTERS)
def export_bundle(export_id: int) -> ResponseReturnValue:
    """One step for the requester: their finished bundle, without making a link first."""
    session = current.session()
    export, name = svc.bundle_of(session, api_account(), export_id, current.settings().bundles)
    session.commit()
    return send_bundle(export, name)


@bp.get("/exports/download/<token>")
@token_required(*svc.EXPORTERS)
def export_download(token: str) -> ResponseReturnValue:
    settings = current.settings()
    session = current.session()
    export, name = svc.download(session, api_account(), token, settings.bundles)
    session.commit()
    return send_bundle(export, name)
