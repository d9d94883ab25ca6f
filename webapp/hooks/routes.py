"""POST /hooks/meetings: a calendar integration reports that a pairing met.

The request names its firm in ``X-Flipside-Firm`` and is signed with the
firm's secret in ``X-Flipside-Signature`` (see surveys.services.webhooks). The
signature is checked over the raw body before the body is parsed; a bad, stale
or missing signature gets 401 and nothing is recorded. The calendar's event id
is the idempotency key, so a redelivered notification records one meeting.
"""

from __future__ import annotations

import time

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from surveys.db.models import Meeting
from surveys.services.errors import ServiceError
from surveys.services.webhooks import (
    parse_notification,
    record_notified_meeting,
    verify_signature,
)
from webapp import current
from webapp.hooks.blueprint import bp
from webapp.json_input import BadJson, parse


@bp.errorhandler(ServiceError)
def _error(exc: ServiceError) -> ResponseReturnValue:
    current.session().rollback()
    codes = {401: "unauthorised", 404: "not_found", 409: "conflict", 422: "invalid"}
    code = codes.get(exc.status, "bad_request")
    return jsonify(error={"code": code, "message": str(exc), "details": {}}), exc.status


@bp.post("/meetings")
def meetings() -> ResponseReturnValue:
    settings = current.settings()
    session = current.session()
    body = request.get_data(cache=True)
    firm = verify_signature(
        session,
        request.headers.get("X-Flipside-Firm", ""),
        request.headers.get("X-Flipside-Signature", ""),
        body,
        int(time.time()),
        settings.secret_key,
        overlap_hours=settings.webhook_secret_overlap_hours,
    )
    try:
        payload = parse(body)
    except BadJson as exc:
        return jsonify(error={"code": "bad_request", "message": str(exc), "details": {}}), 400
    notification = parse_notification(payload)
    meeting, new = record_notified_meeting(
        session, firm, notification, window_days=current.settings().meeting_window_days
    )
    meeting_id = meeting.id
    try:
        session.commit()
    except IntegrityError:  # the same event raced in on another delivery
        session.rollback()
        key = f"webhook:{firm.id}:{notification.event_id}"
        found = session.scalar(select(Meeting.id).where(Meeting.idempotency_key == key))
        if found is None:
            raise
        meeting_id, new = found, False
    return jsonify(meeting_id=meeting_id, duplicate=not new), 201 if new else 200
