"""The home page and the health check.

The blueprint lives in ``blueprint.py``; importing the package imports every view
module, and each adds its routes to it.
"""

from webapp.main import routes  # noqa: F401
from webapp.main.blueprint import bp

__all__ = ["bp"]
