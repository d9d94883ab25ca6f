"""The D&I lead's dashboard: programmes, overview, pulse, compare, retention.

The blueprint lives in ``blueprint.py``; importing the package imports every view
module, and each adds its routes to it.
"""

from webapp.dashboard import hidden, routes, shared  # noqa: F401
from webapp.dashboard.blueprint import bp

__all__ = ["bp"]
