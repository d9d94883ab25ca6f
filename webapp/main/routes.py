"""The home page and the health endpoint."""

from __future__ import annotations

from flask import jsonify, render_template
from flask.typing import ResponseReturnValue

from surveys import outbox
from webapp import current
from webapp.main import bp
from workers.health import broker_status, dead_letter_count


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("home.html")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Database and broker reachability, dead letters and the outbox backlog (503 if unhealthy)."""
    report: dict[str, object] = {}
    healthy = True
    try:
        current.database().ping()
        with current.database().sessions() as session:
            backlog = outbox.backlog(session)
        report["database"] = {"status": "ok", "backend": current.database().engine.dialect.name}
        report["outbox"] = {
            "unpublished": backlog.unpublished,
            "in_flight": backlog.in_flight,
            "stuck": backlog.stuck,
            "oldest_unpublished_seconds": backlog.oldest_unpublished_seconds,
        }
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        healthy = False
        report["database"] = {"status": "error", "error": type(exc).__name__}
    broker = broker_status()
    if broker["status"] == "ok":
        broker["dead_letters"] = dead_letter_count()
    report["broker"] = broker
    healthy = healthy and broker["status"] == "ok"
    report["status"] = "ok" if healthy else "degraded"
    report["mode"] = "embedded" if current.settings().embedded else "redis"
    return jsonify(report), 200 if healthy else 503
