"""Signed integration webhooks (calendar meeting notifications).

The blueprint lives in ``blueprint.py``; importing the package imports every view
module, and each adds its routes to it.
"""

from webapp.hooks import routes  # noqa: F401
from webapp.hooks.blueprint import bp

__all__ = ["bp"]
