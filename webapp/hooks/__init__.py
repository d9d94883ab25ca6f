"""Signed integration webhooks (calendar meeting notifications).

The blueprint is created here and each view module adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("hooks", __name__, url_prefix="/hooks")

from webapp.hooks import routes  # noqa: E402,F401
