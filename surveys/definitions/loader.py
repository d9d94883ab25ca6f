"""Load and validate the versioned survey definition files in this folder.

A file is named ``<key>.v<version>.toml``. Its texts are English; a
``[languages.<lang>]`` table gives the same survey in another language
(surveys/definitions/translated.py). Validation collects the first
problem with the file, the question and the field named, e.g.
``mentor_pulse.v1.toml: question 'topics': field 'options': must not be empty``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from surveys.definitions.errors import DefinitionError
from surveys.definitions.model import (
    AUDIENCES,
    DEFAULT_LIKERT_LABELS,
    KINDS,
    QUESTION_TYPES,
    Option,
    Question,
    SurveyDefinition,
)
from surveys.definitions.translated import with_translations
from surveys.definitions.types import TYPES

DEFINITIONS_DIR = Path(__file__).resolve().parent
_FILE_NAME = re.compile(r"^(?P<key>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.toml$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
TEXT_MAX_LENGTH = 2000

__all__ = [
    "DEFINITIONS_DIR",
    "DefinitionError",
    "definition_files",
    "load_definitions",
    "parse_definition",
]


def _str(data: dict[str, Any], name: str, err: Any, *, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise err(name, "must be a non-empty string" if required else "must be a string")
    return value.strip()


def _question(raw: Any, index: int, file: str) -> Question:
    if not isinstance(raw, dict):
        raise DefinitionError(file, f"question {index + 1} must be a table")
    label = str(raw.get("key", f"#{index + 1}"))

    def err(field: str, message: str) -> DefinitionError:
        return DefinitionError(file, message, question=label, field=field)

    key = _str(raw, "key", err)
    if not _KEY.match(key):
        raise err("key", "must be lower_snake_case, at most 60 characters")
    qtype = _str(raw, "type", err)
    if qtype not in QUESTION_TYPES:
        raise err("type", f"must be one of {', '.join(QUESTION_TYPES)}, not {qtype!r}")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise err("required", "must be true or false")
    known = {
        "key",
        "type",
        "text",
        "required",
        "help",
        "labels",
        "options",
        "max_length",
        "low_label",
        "high_label",
    }
    for name in raw:
        if name not in known:
            raise err(name, "is not a known field")
    labels: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    max_length = 0
    if TYPES[qtype].labelled:
        raw_labels = raw.get("labels", list(DEFAULT_LIKERT_LABELS))
        if (
            not isinstance(raw_labels, list)
            or len(raw_labels) != 5
            or not all(isinstance(x, str) and x.strip() for x in raw_labels)
        ):
            raise err("labels", "must be a list of 5 non-empty labels, from 1 to 5")
        labels = tuple(raw_labels)
    if TYPES[qtype].choice:
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            raise err("options", "must list at least two options")
        seen: set[str] = set()
        parsed = []
        for option in raw_options:
            if not isinstance(option, dict):
                raise err("options", "each option needs a key and a label")
            okey, olabel = option.get("key"), option.get("label")
            if not isinstance(okey, str) or not _KEY.match(okey):
                raise err("options", f"option key {okey!r} must be lower_snake_case")
            if not isinstance(olabel, str) or not olabel.strip():
                raise err("options", f"option {okey!r} needs a label")
            if okey in seen:
                raise err("options", f"option key {okey!r} appears twice")
            seen.add(okey)
            parsed.append(Option(okey, olabel.strip()))
        options = tuple(parsed)
    elif "options" in raw:
        raise err("options", f"only choice questions have options, not {qtype}")
    if qtype == "text":
        max_length = raw.get("max_length", 500)
        if not isinstance(max_length, int) or not 1 <= max_length <= TEXT_MAX_LENGTH:
            raise err("max_length", f"must be a whole number from 1 to {TEXT_MAX_LENGTH}")
        if required:
            raise err("required", "free text is always optional")
    return Question(
        key=key,
        type=qtype,
        text=_str(raw, "text", err),
        required=required,
        help=_str(raw, "help", err, required=False),
        labels=labels,
        options=options,
        max_length=max_length,
        low_label=_str(raw, "low_label", err, required=False),
        high_label=_str(raw, "high_label", err, required=False),
    )


def parse_definition(text: str, file: str) -> SurveyDefinition:
    """Parse one file's text; ``file`` is its name, used in every error."""
    match = _FILE_NAME.match(file)
    if match is None:
        raise DefinitionError(file, "file name must be <key>.v<version>.toml")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(file, f"is not valid TOML ({exc})") from None

    def err(field: str, message: str) -> DefinitionError:
        return DefinitionError(file, message, field=field)

    key = _str(data, "key", err)
    if key != match["key"]:
        raise err("key", f"is {key!r} but the file name says {match['key']!r}")
    version = data.get("version")
    if not isinstance(version, int) or version != int(match["version"]):
        raise err("version", f"must be {match['version']}, as in the file name")
    kind = _str(data, "kind", err)
    if kind not in KINDS:
        raise err("kind", f"must be one of {', '.join(KINDS)}")
    audience = _str(data, "audience", err)
    if audience not in AUDIENCES:
        raise err("audience", f"must be one of {', '.join(AUDIENCES)}")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise err("questions", "must list at least one question")
    questions = tuple(_question(q, i, file) for i, q in enumerate(raw_questions))
    keys = [q.key for q in questions]
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate:
        raise DefinitionError(file, "appears twice", question=duplicate, field="key")
    if kind == "pulse" and not 3 <= len(questions) <= 6:
        raise err("questions", f"a pulse has 3 to 6 questions, not {len(questions)}")
    definition = SurveyDefinition(
        key=key,
        version=version,
        kind=kind,
        audience=audience,
        title=_str(data, "title", err),
        intro=_str(data, "intro", err, required=False),
        questions=questions,
        source=file,
    )
    return with_translations(definition, data.get("languages", {}), file)


def load_definitions(paths: Iterable[Path]) -> dict[tuple[str, int], SurveyDefinition]:
    found: dict[tuple[str, int], SurveyDefinition] = {}
    for path in sorted(paths):
        definition = parse_definition(path.read_text(encoding="utf-8"), path.name)
        found[(definition.key, definition.version)] = definition
    return found


def definition_files(folder: Path = DEFINITIONS_DIR) -> list[Path]:
    return sorted(folder.glob("*.toml"))
