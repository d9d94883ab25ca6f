"""A firm's calendar connectors: administrators add one, read it now or dry-run it; leads of
the firm see the connectors and their health.

The form asks for the *name* of the environment variable holding the password or
key, never the secret itself (surveys/calendars/connectors.py refuses anything
else). A dry run shows what a read would record, move or withdraw, and writes
nothing.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from surveys.calendars.connectors import add_connector, connectors_of, sync_connector
from surveys.calendars.recording import Outcome
from surveys.db.models import CalendarConnector, Firm
from surveys.domain.vocab import CALENDAR_KINDS
from surveys.services.errors import ServiceError
from webapp import current
from webapp.admin.blueprint import bp
from webapp.admin.forms import ConfirmForm
from webapp.auth.access import firm_or_404, login_required, signed_in
from webapp.errors import sentence

KIND_LABELS = {
    "caldav": "CalDAV calendar",
    "ics": "iCalendar (ICS) feed",
    "graph": "Microsoft 365 (Microsoft Graph)",
    "google": "Google Calendar",
}


class ConnectorForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice(k, KIND_LABELS[k]) for k in CALENDAR_KINDS])
    name = StringField(
        "Name", validators=[DataRequired("Please name the calendar."), Length(max=100)]
    )
    url = StringField(
        "Calendar URL",
        validators=[DataRequired("Please give the calendar's URL."), Length(max=500)],
        description="The CalDAV collection or the feed's https address, with no password in it.",
    )
    username = StringField("User name", validators=[Optional(), Length(max=254)])
    secret_env = StringField(
        "Password from environment variable",
        validators=[Optional(), Length(max=100)],
        description="The NAME of the server's environment variable that holds the password "
        "(for example FLIPSIDE_CAL_MAIN), never the password itself.",
    )
    lookback_days = IntegerField(
        "Days to look back",
        default=14,
        validators=[NumberRange(1, 90, "Choose a number from 1 to 90.")],
    )


def _page(
    firm: Firm,
    form: ConnectorForm | None = None,
    *,
    dry: tuple[CalendarConnector, list[Outcome], str | None] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    html = render_template(
        "admin/calendars.html",
        firm=firm,
        form=form or ConnectorForm(),
        action=ConfirmForm(),
        connectors=connectors_of(current.session(), firm.id),
        labels=KIND_LABELS,
        dry=dry,
        may_change=signed_in().role == "admin",
    )
    return current_app.make_response((html, status))


@bp.get("/firms/<int:firm_id>/calendars")
@login_required("admin", "lead")
def calendars(firm_id: int) -> ResponseReturnValue:
    return _page(firm_or_404(firm_id))


@bp.post("/firms/<int:firm_id>/calendars")
@login_required("admin")
def add_calendar(firm_id: int) -> ResponseReturnValue:
    firm = firm_or_404(firm_id)
    form = ConnectorForm()
    if not form.validate_on_submit():
        return _page(firm, form, status=422)
    db = current.session()
    try:
        add_connector(
            db, firm.id, kind=form.kind.data or "", name=form.name.data or "",
            url=form.url.data or "", username=form.username.data,
            secret_env=form.secret_env.data, lookback_days=form.lookback_days.data or 14,
        )  # fmt: skip
    except ServiceError as exc:
        db.rollback()
        form.url.errors = [sentence(exc)]
        return _page(firm, form, status=exc.status)
    db.commit()
    flash("Calendar connected. Use “Dry run” to see what it would record.", "info")
    return redirect(url_for("admin.calendars", firm_id=firm.id), code=303)


def _connector(firm: Firm, connector_id: int) -> CalendarConnector | None:
    row = current.session().get(CalendarConnector, connector_id)
    return row if row is not None and row.firm_id == firm.id else None


@bp.post("/firms/<int:firm_id>/calendars/<int:connector_id>/<any(dry, sync):mode>")
@login_required("admin")
def run_calendar(firm_id: int, connector_id: int, mode: str) -> ResponseReturnValue:
    firm = firm_or_404(firm_id)
    connector = _connector(firm, connector_id)
    if connector is None or not ConfirmForm().validate_on_submit():
        return _page(firm, status=404 if connector is None else 400)
    db = current.session()
    report = sync_connector(db, connector.id, datetime.now(UTC), os.environ, dry_run=mode == "dry")
    if mode == "dry":
        db.rollback()
        return _page(firm, dry=(connector, report.outcomes, report.error))
    db.commit()
    if report.error:
        flash(f"The calendar could not be read: {report.error}.", "error")
    else:
        done = sum(o.action in ("recorded", "moved", "withdrawn") for o in report.outcomes)
        flash(f"Calendar read: {done} meeting(s) recorded, moved or withdrawn.", "info")
    return redirect(url_for("admin.calendars", firm_id=firm.id), code=303)
