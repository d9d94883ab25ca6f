"""The D&I lead's dashboard: programmes, overview, pulse, compare, retention.

The blueprint is created here and each view module adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from webapp.dashboard import hidden, routes, shared  # noqa: E402,F401
