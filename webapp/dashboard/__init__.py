"""The D&I lead's dashboard: programmes, overview, pulse, compare, retention, plan, report.

The blueprint is created here and each view module adds its routes to it:
``routes`` (the programme list and the five pages), ``plan_views`` (the
evaluation plan), ``report_views`` (the printable programme report and its
PDF), ``shared`` (cross-organisation programmes); ``pages``, ``page_charts``,
``charts``, ``vega``, ``downloads`` and ``navigation`` build what they show.
"""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from webapp.dashboard import plan_views, report_views, routes, shared  # noqa: E402,F401
