"""POST /hooks/calendars/<id>/graph: Microsoft Graph's change notifications for a connector.

The validation handshake echoes ``validationToken`` as text/plain; a notification
batch is accepted (202) only if every ``clientState`` is the connector's
(surveys/calendars/notifications.py), and then starts one read of the connector on
the ``calendars`` queue. Nothing from the notification is stored.
"""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from surveys.calendars.notifications import check_notifications, client_state, validation_echo
from surveys.db.models import CalendarConnector
from surveys.services.errors import NotFound
from webapp import current
from webapp.hooks.blueprint import bp
from webapp.json_input import BadJson, parse
from workers.actors.calendars import sync_calendar


@bp.post("/calendars/<int:connector_id>/graph")
def graph_notifications(connector_id: int) -> ResponseReturnValue:
    connector = current.session().get(CalendarConnector, connector_id)
    if connector is None or connector.kind != "graph" or not connector.enabled:
        raise NotFound("there is no such Microsoft Graph connector")
    token = request.args.get("validationToken")
    if token is not None:
        return validation_echo(token), 200, {"Content-Type": "text/plain; charset=utf-8"}
    try:
        payload = parse(request.get_data(cache=True))
    except BadJson as exc:
        return jsonify(error={"code": "bad_request", "message": str(exc), "details": {}}), 400
    check_notifications(payload, client_state(current.settings().secret_key, connector_id))
    sync_calendar.send(connector_id)
    return "", 202
