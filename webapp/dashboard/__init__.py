"""The D&I lead's dashboard: programmes, overview, pulse, compare, retention, plan, report.

The blueprint lives in ``blueprint.py``; importing the package imports every view
module, and each adds its routes to it: ``routes`` (the programme list and the five
pages), ``plan_views`` (the evaluation plan), ``report_views`` (the printable
programme report and its PDF), ``shared`` (cross-organisation programmes),
``hidden`` (why a figure is hidden), ``preparing`` (the previous release's
reports, labelled, while the workers store a new release's); ``pages``,
``page_charts``, ``charts``, ``vega``, ``downloads`` and ``navigation`` build what
they show.
"""

from webapp.dashboard import (  # noqa: F401
    hidden,
    plan_views,
    preparing,
    report_views,
    routes,
    shared,
)
from webapp.dashboard.blueprint import bp

__all__ = ["bp"]
