"""Signed integration webhooks (calendar meeting notifications; ``calendars``: Microsoft
Graph change notifications for a calendar connector).

The blueprint lives in ``blueprint.py``; importing the package imports every view
module, and each adds its routes to it.
"""

from webapp.hooks import calendars, routes  # noqa: F401
from webapp.hooks.blueprint import bp

__all__ = ["bp"]
