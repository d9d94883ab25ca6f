"""Load and validate scale files: ``<key>.v<version>.toml`` in a scales folder.

Flipside's own scales live in ``surveys/definitions/scales/``; a firm adds its
own licensed scales as files in the folder ``FLIPSIDE_SCALES_DIR`` names. Every
problem names the file and the field (``team_voice.v1.toml: item 'speak_up':
field 'subscale': ...``). A shipped scale must carry an open licence
(:data:`OPEN_LICENCES`); a firm's file may instead say ``licence =
"firm-licensed"`` with ``licence_holder`` and ``licence_terms``. Translations
follow the survey definitions' rules: a ``[languages.<lang>]`` table gives the
title, the instructions and every item's text, no more and no less.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from surveys.definitions.errors import DefinitionError
from surveys.definitions.model import LIKERT_LABELS_BY_LANGUAGE
from surveys.definitions.scale_model import (
    FIRM_LICENCE,
    OPEN_LICENCES,
    TOTAL,
    Item,
    Scale,
    Subscale,
)
from surveys.languages import LANGUAGES

SHIPPED_SCALES_DIR = Path(__file__).resolve().parent / "scales"
_FILE_NAME = re.compile(r"^(?P<key>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.toml$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_TOP = frozenset(
    {"key", "version", "title", "instructions", "citation", "licence", "licence_terms",
     "licence_holder", "validated", "items", "subscales", "languages"}
)  # fmt: skip
MIN_ITEMS, MAX_ITEMS = 3, 40

__all__ = ["SHIPPED_SCALES_DIR", "load_scales", "parse_scale"]


def _str(table: dict[str, Any], name: str, err: Any, *, required: bool = True) -> str:
    value = table.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise err(name, "must be a non-empty string" if required else "must be a string")
    return value.strip()


def _key(table: dict[str, Any], err: Any) -> str:
    key = _str(table, "key", err)
    if not _KEY.match(key):
        raise err("key", "must be lower_snake_case, at most 60 characters")
    return key


def _items(raw: Any, subscales: set[str], file: str) -> tuple[Item, ...]:
    if not isinstance(raw, list) or not MIN_ITEMS <= len(raw) <= MAX_ITEMS:
        raise DefinitionError(file, f"must list {MIN_ITEMS} to {MAX_ITEMS} items", field="items")
    items: list[Item] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise DefinitionError(file, f"item {index + 1} must be a table", field="items")
        label = f"item {entry.get('key', index + 1)!r}"

        def err(field: str, message: str, label: str = label) -> DefinitionError:
            return DefinitionError(file, f"{label}: field {field!r}: {message}")

        for name in entry:
            if name not in {"key", "text", "reverse", "subscale"}:
                raise err(name, "is not a known field")
        reverse = entry.get("reverse", False)
        if not isinstance(reverse, bool):
            raise err("reverse", "must be true or false")
        subscale = _str(entry, "subscale", err, required=False)
        if subscales and subscale not in subscales:
            raise err("subscale", f"must be one of {', '.join(sorted(subscales))}")
        if not subscales and subscale:
            raise err("subscale", "names a subscale but the scale lists none")
        items.append(Item(_key(entry, err), _str(entry, "text", err), reverse, subscale))
    keys = [i.key for i in items]
    if duplicate := next((k for k in keys if keys.count(k) > 1), None):
        raise DefinitionError(file, f"item {duplicate!r} appears twice", field="items")
    return tuple(items)


def _subscales(raw: Any, file: str) -> tuple[Subscale, ...]:
    def err(field: str, message: str) -> DefinitionError:
        return DefinitionError(file, message, field=f"subscales.{field}")

    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        raise DefinitionError(file, "must be a list of tables", field="subscales")
    for entry in raw:
        for name in entry:
            if name not in {"key", "title"}:
                raise err(name, "is not a known field")
    found = tuple(Subscale(_key(s, err), _str(s, "title", err)) for s in raw)
    keys = [s.key for s in found]
    if TOTAL in keys or len(set(keys)) != len(keys):
        raise err("key", f"must be unique and not {TOTAL!r}")
    return found


def _licence(data: dict[str, Any], err: Any, firm: bool) -> tuple[str, str]:
    licence = _str(data, "licence", err)
    allowed = (*OPEN_LICENCES, FIRM_LICENCE) if firm else OPEN_LICENCES
    if licence not in allowed:
        where = "a firm's scale" if firm else "a scale shipped with Flipside"
        raise err("licence", f"{licence!r} does not allow {where}: use {', '.join(allowed)}")
    if licence == FIRM_LICENCE:
        _str(data, "licence_holder", err)
    return licence, _str(data, "licence_terms", err)


def parse_scale(text: str, file: str, *, firm: bool = False) -> Scale:
    """Parse one scale file's text; ``firm``: it comes from the firm's folder."""
    match = _FILE_NAME.match(file)
    if match is None:
        raise DefinitionError(file, "file name must be <key>.v<version>.toml")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(file, f"is not valid TOML ({exc})") from None

    def err(field: str, message: str) -> DefinitionError:
        return DefinitionError(file, message, field=field)

    for name in data:
        if name not in _TOP:
            raise err(name, "is not a known field")
    key = _key(data, err)
    if key != match["key"]:
        raise err("key", f"is {key!r} but the file name says {match['key']!r}")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise err("version", f"must be {match['version']}, as in the file name")
    if version != int(match["version"]):
        raise err("version", f"must be {match['version']}, as in the file name")
    validated = data.get("validated")
    if not isinstance(validated, bool):
        raise err("validated", "must say true (a published validation) or false")
    subscales = _subscales(data.get("subscales", []), file)
    items = _items(data.get("items"), {s.key for s in subscales}, file)
    for sub in subscales:
        if not any(i.subscale == sub.key for i in items):
            raise err("subscales", f"subscale {sub.key!r} has no items")
    if subscales and (loose := [i.key for i in items if not i.subscale]):
        raise err("items", f"items without a subscale: {', '.join(loose)}")
    if all(i.reverse for i in items):
        raise err("items", "every item is reverse-keyed: key the scale the other way")
    licence, terms = _licence(data, err, firm)
    scale = Scale(
        key=key,
        version=version,
        title=_str(data, "title", err),
        instructions=_str(data, "instructions", err, required=False),
        citation=_str(data, "citation", err),
        licence=licence,
        licence_terms=terms,
        validated=validated,
        items=items,
        subscales=subscales,
        source=file,
    )
    return _translated(scale, data.get("languages", {}), file)


def _translated(base: Scale, raw: Any, file: str) -> Scale:
    if not isinstance(raw, dict):
        raise DefinitionError(file, "must be a table of languages", field="languages")
    found: list[Scale] = []
    for code, table in raw.items():
        lang = f"language {code!r}"

        def err(field: str, message: str, lang: str = lang) -> DefinitionError:
            return DefinitionError(file, f"{lang}: {message}", field=field)

        if code not in LANGUAGES or code == base.language or not isinstance(table, dict):
            raise err("languages", f"must be a table for one of {', '.join(LANGUAGES[1:])}")
        for name in table:
            if name not in {"title", "instructions", "items"}:
                raise err(name, "is not a known field")
        texts = table.get("items")
        keys = base.item_keys()
        if not isinstance(texts, dict) or sorted(texts) != sorted(keys):
            raise err("items", f"must give the text of exactly the items {', '.join(keys)}")
        if not all(isinstance(v, str) and v.strip() for v in texts.values()):
            raise err("items", "every item's text must be a non-empty string")
        instructions = _str(table, "instructions", err, required=bool(base.instructions))
        if instructions and not base.instructions:
            raise err("instructions", "is given but the English has none")
        items = tuple(replace(i, text=texts[i.key].strip()) for i in base.items)
        found.append(
            replace(
                base,
                language=code,
                title=_str(table, "title", err),
                instructions=instructions,
                items=items,
                labels=LIKERT_LABELS_BY_LANGUAGE[code],
            )
        )
    return replace(base, translations=tuple(found))


def load_scales(paths: Iterable[Path], *, firm: bool = False) -> dict[tuple[str, int], Scale]:
    """Every scale in ``paths`` by (key, version)."""
    found: dict[tuple[str, int], Scale] = {}
    for path in sorted(paths):
        scale = parse_scale(path.read_text(encoding="utf-8"), path.name, firm=firm)
        found[(scale.key, scale.version)] = scale
    return found
