"""The home page and the health endpoint."""

from __future__ import annotations

from flask import jsonify, render_template
from flask.typing import ResponseReturnValue

from webapp.main.blueprint import bp
from webapp.main.health import health_report


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("home.html")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Reachability and background work (webapp/main/health.py): 200 ok or degraded
    with reasons, 503 when the database or the broker cannot be reached."""
    report, status = health_report()
    return jsonify(report), status
