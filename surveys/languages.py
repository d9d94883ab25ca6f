"""The languages participants read Flipside in, and which one a participant gets.

Participant pages and mail ship in English, French, German and Spanish. The
message catalogues live in ``surveys/translations/<lang>/LC_MESSAGES/``: the
``.po`` files are the source, the compiled ``.mo`` files are committed beside
them (``make translations`` rebuilds them; a test checks that they match).

Which language a participant gets: the HR file's ``language`` column, then the
browser's ``Accept-Language``, then the firm's default, then English; a link
on the page switches. The language is only ever used to render: it is never
stored with an answer nor sealed into a submission (it would narrow a group).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Final

from babel.dates import format_date, format_skeleton
from babel.support import NullTranslations, Translations

#: The one table of languages: each shipped language's code and its name in itself (for
#: the switcher). A new line here also needs the language's default Likert labels
#: (definitions/model.py; a unit test asks for them) and its catalogue (``make
#: translations`` creates it); docs/participants.md says how, in five steps.
NAMES: Final = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español"}
LANGUAGES: Final = tuple(NAMES)
DEFAULT_LANGUAGE: Final = "en"
TRANSLATIONS_DIR: Final = Path(__file__).resolve().parent / "translations"
DOMAIN: Final = "messages"


def normalise(value: str | None) -> str | None:
    """A shipped language code for ``value`` ('fr', 'FR', 'fr-CA', 'fr_FR' -> 'fr'),
    or None for an empty or unsupported one."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The shipped language the browser prefers most (RFC 9110 ``Accept-Language``)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "")[:1000].split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = normalise(tag)
        if language is not None and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def choose(*candidates: str | None) -> str:
    """The first shipped language among ``candidates``, in order; else English."""
    for candidate in candidates:
        language = normalise(candidate)
        if language is not None:
            return language
    return DEFAULT_LANGUAGE


def long_date(day: date, language: str) -> str:
    """12 March 2026, 12 mars 2026, 12. März 2026, 12 de marzo de 2026."""
    if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
        return f"{day.day} {day:%B %Y}"
    return str(format_date(day, "long", locale=language))


def day_month(day: date, language: str) -> str:
    """12 March, 12 mars, 12. März, 12 de marzo (no year: a subject's session date)."""
    if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
        return f"{day.day} {day:%B}"
    return str(format_skeleton("MMMMd", day, locale=language))


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of ``language`` (English: the messages as written)."""
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [language], DOMAIN)
