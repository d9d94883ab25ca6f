"""Administration: staff accounts, firms (settings, single sign-on), programmes, people,
pairings, meetings, API tokens.

The blueprint is created here and each view module adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from webapp.admin import (  # noqa: E402,F401
    accounts,
    directory,
    enrolments,
    firms,
    members,
    pairings,
    people,
    routes,
    sso,
    suggestions,
    tokens,
)
