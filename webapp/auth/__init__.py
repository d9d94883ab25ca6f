"""Staff sign-in, roles and tenant scoping (:mod:`webapp.auth.access`).

The blueprint lives in ``blueprint.py``; importing the package imports every view
module, and each adds its routes to it.
"""

from webapp.auth import accounts, routes, sso  # noqa: F401
from webapp.auth.blueprint import bp

__all__ = ["bp"]
