"""D&I lead pages (the full dashboard grows here)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from surveys.db.models import Firm, Programme
from webapp import database
from webapp.auth.routes import current_account, login_required

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@login_required()
def index() -> ResponseReturnValue:
    account = current_account()
    assert account is not None
    query = select(Programme).join(Firm).order_by(Firm.name, Programme.name)
    if account.role != "admin":
        query = query.where(Programme.firm_id.in_([f.id for f in account.firms]))
    programmes = list(database.session().scalars(query))
    return render_template("dashboard/index.html", account=account, programmes=programmes)
