"""The survey page, rendered once per survey version and reused.

A participant's first view of a survey page (a GET, nothing chosen, no messages)
is the same markup for every invitation of that survey version: only the form's
CSRF token and the signed context differ. Building it through WTForms costs most
of the view (35 option inputs, one markupsafe escape per attribute), so it is
rendered once by the same template, with marker values in those two places, and
later views fill the markers in.

The full render stays the only source of the markup: the cached page is that
render's output, split at the markers. Anything that could make a view differ
falls back to it: a POST re-displaying answers and messages, and a request
carrying a session cookie (the page would show that session's flashed messages).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request
from markupsafe import escape

from surveys.definitions import SurveyDefinition
from webapp.languages import current_language
from webapp.respond.forms import survey_form

TEMPLATE = "respond/survey.html"
_TOKEN_MARK = "FlipsideFormTokenMark7f3a"
_CONTEXT_MARK = "FlipsideContextMark9c1e"
_MAX_ENTRIES = 256  # survey versions x languages x (with, without context) x script roots


def render_page(
    definition: SurveyDefinition,
    *,
    k: int,
    context: str,
    form_token: str,
    errors: dict[str, str] | None = None,
) -> str:
    """The survey page; ``errors`` (a failed POST) re-displays the answers sent and
    the messages, through the full render."""
    if request.method != "GET" or errors or _has_session_cookie():
        return full_render(definition, k=k, context=context, form_token=form_token, errors=errors)
    # The page's language: the questions' and the chrome's (they differ only if a
    # definition lacks the page's language and falls back to English).
    language = (definition.language, current_language())
    key = (definition.key, definition.version, language, k, bool(context), request.script_root)
    cache: dict[tuple[Any, ...], tuple[str, ...]] = current_app.extensions.setdefault(
        "flipside.survey_pages", {}
    )
    parts = cache.get(key)
    if parts is None:
        parts = _render_parts(definition, k=k, with_context=bool(context))
        if len(cache) >= _MAX_ENTRIES:
            cache.clear()
        cache[key] = parts
    if context:
        before, between, after = parts
        return f"{before}{escape(form_token)}{between}{escape(context)}{after}"
    before, after = parts
    return f"{before}{escape(form_token)}{after}"


def full_render(
    definition: SurveyDefinition,
    *,
    k: int,
    context: str,
    form_token: str,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> str:
    """The page through WTForms and the template; on a POST the form carries the answers
    sent. ``notice``: one sentence shown above the form (the database was unreachable)."""
    form = survey_form(definition)
    for key, message in (errors or {}).items():
        if key in form:
            form[key].errors = [message]
    return render_template(
        TEMPLATE,
        form=form,
        definition=definition,
        k=k,
        context=context,
        form_token=form_token,
        notice=notice,
    )


def _render_parts(definition: SurveyDefinition, *, k: int, with_context: bool) -> tuple[str, ...]:
    page = full_render(
        definition,
        k=k,
        context=_CONTEXT_MARK if with_context else "",
        form_token=_TOKEN_MARK,
    )
    before, token_mark, rest = page.partition(_TOKEN_MARK)
    if not token_mark or _TOKEN_MARK in rest:
        raise RuntimeError(f"{TEMPLATE} must show the form token exactly once")
    if not with_context:
        return before, rest
    between, context_mark, after = rest.partition(_CONTEXT_MARK)
    if not context_mark or _CONTEXT_MARK in after:
        raise RuntimeError(f"{TEMPLATE} must show the context exactly once")
    return before, between, after


def _has_session_cookie() -> bool:
    return str(current_app.config["SESSION_COOKIE_NAME"]) in request.cookies
