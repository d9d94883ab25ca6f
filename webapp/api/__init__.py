"""The JSON API under /api/v1 (Bearer tokens) and its OpenAPI 3.1 document.

The blueprint lives in ``blueprint.py``; importing the package imports every view
module, and each adds its routes to it.
"""

from webapp.api import accounts, exports, routes  # noqa: F401
from webapp.api.blueprint import bp

__all__ = ["bp"]
