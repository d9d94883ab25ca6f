"""The dashboard's persistent navigation: a bar of a programme's pages, and breadcrumbs.

Every dashboard page gets both from :func:`navigation` (the view passes them to
its template; ``base.html`` draws them), so a lead can always go from any page
to any other page of the same programme, or back to the programme list.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from surveys.db.models import Programme

#: The programme's pages in the order the bar lists them: (view name, label).
PROGRAMME_PAGES = (
    ("headline", "Headline"),
    ("overview", "Overview"),
    ("pulse", "Pulse trends"),
    ("compare", "Compare groups"),
    ("retention", "Retention and promotion"),
    ("plan", "Evaluation plan"),
    ("report", "Report"),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    #: This link is the page being shown (``aria-current="page"``).
    current: bool = False


@dataclass(frozen=True)
class Navigation:
    #: The bar of the programme's pages (empty on the programme list).
    pages: list[NavLink]
    #: Programmes > programme > page; the last one is the page being shown.
    crumbs: list[NavLink]


def navigation(programme: Programme | None = None, page: str | None = None) -> Navigation:
    """The bar and the breadcrumbs of ``page`` of ``programme`` (None: the programme list)."""
    home = NavLink("Programmes", url_for("dashboard.index"), programme is None)
    if programme is None:
        return Navigation([], [home])
    pages = [
        NavLink(label, url_for(f"dashboard.{name}", programme_id=programme.id), name == page)
        for name, label in PROGRAMME_PAGES
    ]
    crumbs = [home, NavLink(programme.name, pages[0].url, page == "headline")]
    crumbs += [link for link in pages[1:] if link.current]
    return Navigation(pages, crumbs)
