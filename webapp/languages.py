"""Participant pages in the participant's language (Flask-Babel).

Staff pages stay English. A participant page (the ``respond`` blueprint) is in,
first to last: the language picked on the page (``?lang=``, the switcher's
links, no cookie), the language the page was rendered in (its ``lang`` field,
on a POST), the person's language from the HR file, the browser's
``Accept-Language``, the firm's default, English. The order and the catalogues
are surveys/languages.py; a view that knows the person calls :func:`use`.

The language only renders the page: nothing stores it, and a submission never
carries it (it would be a quasi-identifier).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask_babel import Babel, refresh
from werkzeug.exceptions import HTTPException

from surveys import languages

babel = Babel()

#: The ``lang`` attribute of the page's ``<html>`` (English pages stay en-GB).
_HTML_LANG = {"en": "en-GB"}


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        default_locale=languages.DEFAULT_LANGUAGE,
        default_translation_directories=str(languages.TRANSLATIONS_DIR),
        locale_selector=_locale,
    )
    app.context_processor(_template_values)
    app.jinja_env.filters["long_date"] = lambda day: languages.long_date(day, current_language())


def participant_language(person: str | None = None, firm_default: str | None = None) -> str:
    """The language of this request's participant page (see the module's docstring)."""
    picked = request.args.get("lang")
    rendered = None
    if request.method == "POST":
        try:
            rendered = request.form.get("lang")
        except HTTPException:  # too large or malformed: the error page is still rendered
            rendered = None
    browser = languages.from_accept_language(request.headers.get("Accept-Language"))
    return languages.choose(picked, rendered, person, browser, firm_default)


def use(language: str) -> None:
    """Render the rest of this request in ``language``."""
    g.participant_language = language
    refresh()


def current_language() -> str:
    return str(_locale())


def _locale() -> str:
    chosen: str | None = g.get("participant_language")
    if chosen:
        return chosen
    if request.blueprint == "respond":
        return participant_language()
    return languages.DEFAULT_LANGUAGE


def _template_values() -> dict[str, Any]:
    if request.blueprint != "respond":
        return {}
    language = current_language()
    return {
        "html_lang": _HTML_LANG.get(language, language),
        "page_language": language,
        "language_names": languages.NAMES,
    }
