"""While the workers prepare a new release's reports, pages show the previous release's.

Every dashboard request asks the report cache (surveys/reports/cache.py) to serve
the previous release's stored report rather than compute the current one in the
web process (:data:`~surveys.reports.cache.SERVE_PREVIOUS`): a first view right
after a release then reads a stored report like any other view instead of taking
the uncached path. When that happened, the page says so (the release it shows)
and carries a ``Refresh`` header, so it reloads once the workers have stored the
current release's reports. A programme with no stored report at all (its first
release) is still computed in the view.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g

from surveys.reports import cache
from webapp import current
from webapp.dashboard.blueprint import bp

#: Seconds before a page showing an earlier release's report reloads itself.
REFRESH_SECONDS = 10


@bp.before_request
def _serve_previous() -> None:
    current.session().info[cache.SERVE_PREVIOUS] = True


def served_previous() -> int | None:
    """The earlier release version this request's page shows, if it shows one."""
    if "db_session" not in g:
        return None
    found: int | None = g.db_session.info.get(cache.SERVED_PREVIOUS)
    return found


@bp.context_processor
def _preparing() -> dict[str, Any]:
    return {"report_as_of_release": served_previous()}


@bp.after_request
def _refresh(response: Response) -> Response:
    if served_previous() is not None:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
        response.headers["Cache-Control"] = "no-store"
    return response
