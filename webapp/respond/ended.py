"""Where a participant's link ends when it cannot be used: unknown (404), or answered,
expired or opted out of (410). A participant page, not the staff site's error page:
it says what happened, what to do next and whom to ask (the firm's D&I contact when
the firm set one), with no staff sign-in and no way into the staff site.

No person can be read from a link that no longer opens a survey, so the page is in
the language picked on it (``?lang=``, the switcher), else the one a submission was
rendered in, else the browser's, else English (webapp.languages)."""

from __future__ import annotations

import logging

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from surveys.services.errors import Gone, NotFound
from surveys.services.invitations import EndedLink, ended_link
from webapp import current
from webapp.respond.blueprint import bp
from webapp.wording import translate

log = logging.getLogger(__name__)


def _link(token: str) -> EndedLink:
    """Why the link ended and the firm behind it; ``unknown`` if that cannot be read."""
    try:
        return ended_link(current.session(), token)
    except SQLAlchemyError:
        log.warning("could not read whom a participant should ask about an ended link")
        return EndedLink("unknown")


@bp.errorhandler(NotFound)
@bp.errorhandler(Gone)
def link_ended(exc: NotFound | Gone) -> ResponseReturnValue:
    token = str((request.view_args or {}).get("token", ""))
    is_invitation = request.endpoint in {"respond.answer", "respond.opt_out_page"}
    link = _link(token) if is_invitation else EndedLink("unknown")
    if isinstance(exc, NotFound):
        link = EndedLink("unknown", link.firm_name, link.contact, link.climate)
    page = render_template(
        "respond/link_ended.html",
        link=link,
        message=translate(str(exc)),
        token=token if is_invitation else "",
    )
    return page, exc.status
