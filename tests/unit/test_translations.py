"""The message catalogues: every participant-facing string has a translation in each
shipped language, the placeholders match, and the committed .mo files are the .po
files compiled (so a clean checkout serves exactly what the .po files say)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from surveys.languages import DEFAULT_LANGUAGE, LANGUAGES, TRANSLATIONS_DIR, long_date

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> set[str]:
    """What Babel extracts from the participant's templates and modules (babel.cfg)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(str(ROOT), method_map, options_map)
    messages = {message if isinstance(message, str) else message[0] for _, _, message, *_ in found}
    return {m for m in messages if m}


def catalogue(language: str) -> Catalog:
    with open(TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


def untranslated(messages: set[str], catalog: Catalog) -> list[str]:
    """Messages with no usable translation: missing, empty, fuzzy, or placeholders differ."""
    missing = []
    for message in sorted(messages):
        entry = catalog.get(message)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(message)
        elif sorted(_PLACEHOLDER.findall(str(entry.string))) != sorted(
            _PLACEHOLDER.findall(message)
        ):
            missing.append(message)
    return missing


def test_extraction_finds_the_participant_pages_and_the_mail() -> None:
    messages = extracted()
    assert {"Send my answers", "Answer the survey", "Please answer this question."} <= messages
    assert "Reminder: %(subject)s" in messages  # from surveys/mail/compose.py
    assert len(messages) > 80


@pytest.mark.parametrize("language", SHIPPED)
def test_every_participant_facing_string_has_a_translation(language: str) -> None:
    assert untranslated(extracted(), catalogue(language)) == []


def test_a_string_without_a_translation_is_reported() -> None:
    catalog = catalogue("fr")
    catalog.delete("Send my answers")
    catalog["Thank you"].string = ""
    catalog["Hello,"].flags.add("fuzzy")
    catalog["Answer here: %(link)s"].string = "Pour répondre : %(lien)s"
    assert untranslated(extracted(), catalog) == [
        "Answer here: %(link)s",
        "Hello,",
        "Send my answers",
        "Thank you",
    ]


@pytest.mark.parametrize("language", SHIPPED)
def test_the_committed_mo_files_are_the_po_files_compiled(language: str) -> None:
    """`make translations` rebuilds them; a .po edited without recompiling fails here."""
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))
    committed = (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert committed == compiled.getvalue()


def test_the_catalogues_ship_with_the_package() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    data = re.search(r"\[tool\.setuptools\.package-data\]\n\"\*\" = \[(.*?)\]", pyproject)
    assert data and '"*.mo"' in data.group(1) and '"*.po"' in data.group(1)
    assert TRANSLATIONS_DIR.is_relative_to(ROOT / "surveys")


def test_dates_read_as_each_language_writes_them() -> None:
    from datetime import date

    day = date(2026, 3, 12)
    assert [long_date(day, code) for code in LANGUAGES] == [
        "12 March 2026",
        "12 mars 2026",
        "12. März 2026",
        "12 de marzo de 2026",
    ]
