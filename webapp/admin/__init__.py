"""Administration: staff accounts, firms (settings, single sign-on), programmes, people,
pairings, meetings, API tokens, calendar connectors (``calendars``).

The blueprint lives in ``blueprint.py``; importing the package imports every view
module, and each adds its routes to it.
"""

from webapp.admin import (  # noqa: F401
    accounts,
    calendars,
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
from webapp.admin.blueprint import bp

__all__ = ["bp"]
