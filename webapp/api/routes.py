"""API views: thin wrappers that authenticate, scope to the account's firms and call services."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from surveys import disclosure
from surveys.db.models import Firm, Meeting, Pairing, Programme
from surveys.reports.pooled import reader_cells
from surveys.reports.released_cells import ONE_AT_A_TIME
from surveys.reports.two_cohorts import Comparison, compare_released
from surveys.services.accounts import firm_scope
from surveys.services.errors import ServiceError
from surveys.services.meetings import report_meeting
from surveys.services.members import readable_programme_ids, reading_scope
from surveys.services.people import (
    ImportRejected,
    import_people,
    read_csv,
    records_from_json,
)
from webapp import current
from webapp.api.auth import ApiError, api_account, token_required
from webapp.api.blueprint import bp
from webapp.api.body import json_body
from webapp.api.openapi import document

STAFF = ("admin", "lead")
MAX_KEY = 150


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> ResponseReturnValue:
    response = jsonify(error={"code": exc.code, "message": exc.message, "details": exc.details})
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="flipside"'
    return response, exc.status


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> ResponseReturnValue:
    current.session().rollback()
    codes = {403: "forbidden", 404: "not_found", 409: "conflict", 410: "gone", 422: "invalid"}
    details: dict[str, Any] = {}
    if isinstance(exc, ImportRejected):
        details = {"problems": [p.as_dict() for p in exc.problems]}
    return _api_error(ApiError(exc.status, codes.get(exc.status, "bad_request"), str(exc), details))


def _visible(query: Any, firm_column: Any) -> Any:
    allowed = firm_scope(api_account())
    return query if allowed is None else query.where(firm_column.in_(allowed))


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document())


@bp.get("/programmes")
@token_required()
def programmes() -> ResponseReturnValue:
    query = select(Programme, Firm.slug).join(Firm).order_by(Programme.id)
    readable = readable_programme_ids(current.session(), api_account())
    if readable is not None:  # member firms' staff and coordinators see shared programmes
        query = query.where(Programme.id.in_(sorted(readable)))
    rows = current.session().execute(query).all()
    return jsonify(
        programmes=[
            {
                "id": p.id,
                "firm": slug,
                "name": p.name,
                "starts_on": p.starts_on.isoformat(),
                "status": p.status,
                "longitudinal": p.longitudinal,
            }
            for p, slug in rows
        ]
    )


def _meeting_json(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "pairing_id": meeting.pairing_id,
        "held_on": meeting.held_on.isoformat(),
        "source": meeting.source,
    }


def _records_for(pairing: Pairing, allowed: set[int]) -> bool:
    """Whether staff of ``allowed`` firms record this pairing's meetings: the programme's
    own firm, or a member firm one of whose people is in the pair (a shared programme)."""
    firms = {pairing.programme.firm_id, pairing.mentor.firm_id, pairing.mentee.firm_id}
    return bool(firms & allowed)


def _meeting_input(body: Any) -> tuple[int, date]:
    if not isinstance(body, dict):
        raise ApiError(422, "invalid", "the body must be a JSON object")
    pairing_id, held_on = body.get("pairing_id"), body.get("held_on")
    if type(pairing_id) is not int or not 1 <= pairing_id <= 2**31 - 1:
        raise ApiError(422, "invalid", "pairing_id must be a positive integer")
    try:
        day = date.fromisoformat(held_on) if isinstance(held_on, str) else None
    except ValueError:
        day = None
    if day is None:
        raise ApiError(422, "invalid", "held_on must be a date (YYYY-MM-DD)")
    return pairing_id, day


@bp.post("/meetings")
@token_required(*STAFF)
def record_meeting_view() -> ResponseReturnValue:
    pairing_id, held_on = _meeting_input(json_body())
    account = api_account()
    raw_key = request.headers.get("Idempotency-Key")
    if raw_key is not None and not 1 <= len(raw_key) <= MAX_KEY:
        raise ApiError(400, "bad_request", f"Idempotency-Key must be 1 to {MAX_KEY} characters")
    key = f"api:{account.id}:{raw_key}" if raw_key is not None else None
    session = current.session()
    pairing = session.get(Pairing, pairing_id)
    allowed = firm_scope(account)
    if pairing is None or (allowed is not None and not _records_for(pairing, allowed)):
        raise ApiError(404, "not_found", f"there is no pairing {pairing_id}")
    existing = (
        session.scalar(select(Meeting).where(Meeting.idempotency_key == key)) if key else None
    )
    if existing is None:
        reported = report_meeting(
            session,
            pairing.id,
            held_on,
            "api",
            idempotency_key=key,
            window_days=current.settings().meeting_window_days,
        )
        meeting = reported.meeting
        if not reported.new:  # a meeting of this pairing within the window: the same one
            return jsonify(meeting=_meeting_json(meeting), replayed=True), 200
        try:
            session.commit()
        except IntegrityError:  # the same key raced in from another request
            session.rollback()
            existing = session.scalar(select(Meeting).where(Meeting.idempotency_key == key))
            if existing is None:
                raise
        else:
            return jsonify(meeting=_meeting_json(meeting), replayed=False), 201
    if (existing.pairing_id, existing.held_on) != (pairing.id, held_on):
        raise ApiError(
            409, "conflict", "this Idempotency-Key was used for a different meeting already"
        )
    return jsonify(meeting=_meeting_json(existing), replayed=True), 200


@bp.post("/firms/<slug>/people")
@token_required(*STAFF)
def import_people_view(slug: str) -> ResponseReturnValue:
    session = current.session()
    firm = session.scalar(_visible(select(Firm).where(Firm.slug == slug), Firm.id))
    if firm is None:
        raise ApiError(404, "not_found", f"there is no firm {slug!r}")
    if request.mimetype == "text/csv":
        rows = read_csv(request.get_data())
    elif request.is_json:
        rows = records_from_json(json_body())
    else:
        raise ApiError(415, "unsupported_media_type", "send text/csv or a JSON array of people")
    result = import_people(session, firm.id, rows)
    session.commit()
    return jsonify(
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        promotions=result.promotions,
    )


def _query_int(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise ApiError(422, "invalid", f"{name} must be a positive integer")
    return int(raw)


@bp.get("/aggregates")
@token_required()
def aggregates() -> ResponseReturnValue:
    """Released cells the disclosure module lets through (k, attributes, differencing).

    A lead (or a lead's token) gets cells summed to one cohort attribute at a
    time (``by``: role, level_band, tenure_band or gender_group; role when not
    given), never the fine cross-classified cells. Researchers and admins get
    the stored cells, generalised as the mixer stored them (each combination
    holding at least k people), unless they ask for ``by`` too.
    """
    programme_id = _query_int("programme_id")
    if programme_id is None:
        raise ApiError(422, "invalid", "programme_id is required")
    session = current.session()
    # A cross-organisation programme: a member's staff read their own firms' people, a
    # coordinator the whole programme pooled (surveys.services.members).
    scope = reading_scope(session, api_account(), programme_id)
    if scope is None:
        raise ApiError(404, "not_found", f"there is no programme {programme_id}")
    programme = scope.programme
    by = request.args.get("by")
    if by is None and (api_account().role == "lead" or scope.pooled):
        by = "role"
    if by is not None and by not in ONE_AT_A_TIME:
        raise ApiError(422, "invalid", f"by must be one of {', '.join(ONE_AT_A_TIME)}")
    cells = reader_cells(
        session,
        programme,
        scope.firm_ids,
        current.settings().min_group_size,
        pooled=scope.pooled,
        by=by,
        survey_key=request.args.get("survey_key"),
        question_key=request.args.get("question_key"),
    )
    shown = [(c, disclosure.released(c)) for c in cells]
    return jsonify(
        programme_id=programme.id,
        by=by,
        cells=[
            {
                "survey_key": c.survey_key,
                "survey_version": c.survey_version,
                "question_key": c.question_key,
                "item": c.item,
                "role": c.role,
                "level_band": c.level_band,
                "tenure_band": c.tenure_band,
                "gender_group": c.gender_group,
                "period_kind": c.period_kind,
                "period": c.period,
                "n": snap.n,
                "sum": snap.total,
                "sum_of_squares": snap.total_sq,
                "histogram": {str(k): int(v) for k, v in snap.histogram.items()},
            }
            for c, snap in shown
        ],
    )


def _values(name: str) -> frozenset[str]:
    raw = request.args.get(name, "")
    return frozenset(v.strip() for v in raw.split(",") if v.strip())


@bp.get("/programmes/<int:programme_id>/comparison")
@token_required()
def comparison(programme_id: int) -> ResponseReturnValue:
    """Two cohorts compared on one question, from released aggregates (each side >= k);
    exploratory: a cohort comparison is never one of the evaluation plan's."""
    session = current.session()
    row = session.execute(
        _visible(
            select(Programme.id, Firm.min_group_size)
            .join(Firm, Firm.id == Programme.firm_id)
            .where(Programme.id == programme_id),
            Programme.firm_id,
        )
    ).one_or_none()
    if row is None:
        raise ApiError(404, "not_found", f"there is no programme {programme_id}")
    settings = current.settings()
    for name in ("survey_key", "question_key", "by"):
        if not request.args.get(name):
            raise ApiError(422, "invalid", f"{name} is required")
    alternative = request.args.get("alternative", "two-sided")
    if alternative not in ("two-sided", "less", "greater"):
        raise ApiError(422, "invalid", "alternative must be two-sided, less or greater")
    wanted = Comparison(
        survey_key=request.args["survey_key"],
        question_key=request.args["question_key"],
        by=request.args["by"],
        a=_values("a"),
        b=_values("b"),
        test=request.args.get("test", "welch"),
        round_id=_query_int("round_id"),
        alternative=alternative,
    )
    result = compare_released(
        session, row.id, wanted, row.min_group_size or settings.min_group_size
    )
    return jsonify({**result.to_dict(), "planned": False, "status": "exploratory"})
