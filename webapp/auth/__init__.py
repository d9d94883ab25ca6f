"""Staff sign-in, roles and tenant scoping (:mod:`webapp.auth.access`).

The blueprint is created here and each view module adds its routes to it.
"""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from webapp.auth import accounts, routes, sso  # noqa: E402,F401
