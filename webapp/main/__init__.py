"""The home page and the health check.

The blueprint is created here and each view module adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("main", __name__)

from webapp.main import routes  # noqa: E402,F401
