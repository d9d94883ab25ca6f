"""The participant survey: open a link, answer, opt out.

The blueprint is created here and each view module adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("respond", __name__)

from webapp.respond import ended, routes  # noqa: E402,F401
