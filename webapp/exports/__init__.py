"""Research exports in the web UI: request, progress, download, the audit log.

The blueprint is created here and each view module adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")

from webapp.exports import routes  # noqa: E402,F401
