"""The participant survey: open a link, answer, opt out.

The blueprint lives in ``blueprint.py``; importing the package imports every view
module, and each adds its routes to it.
"""

from webapp.respond import ended, routes  # noqa: F401
from webapp.respond.blueprint import bp

__all__ = ["bp"]
