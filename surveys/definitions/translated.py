"""A definition's other languages: the ``[languages.<lang>]`` tables of its file.

Each language gives the title, the intro and, per question key, the same texts
the English question has (``text``; ``help`` and the 0-10 anchors where the
English has them; a label for every option; Likert labels if the English sets
its own, else the language's default five)::

    [languages.fr]
    title = "Votre séance de mentorat inversé"
    [languages.fr.questions.topics]
    text = "Quels sujets avez-vous abordés ?"
    options = { technology = "Technologies", other = "Autre sujet" }

Every language must have exactly the survey's questions and, for each choice
question, exactly its options: answers are stored by key, so a language with a
question or option more or less would ask something the others do not.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from surveys.definitions.errors import DefinitionError
from surveys.definitions.model import (
    DEFAULT_LIKERT_LABELS,
    LIKERT_LABELS_BY_LANGUAGE,
    Option,
    Question,
    SurveyDefinition,
)
from surveys.languages import LANGUAGES

_QUESTION_FIELDS = frozenset({"text", "help", "labels", "options", "low_label", "high_label"})


def with_translations(base: SurveyDefinition, raw: Any, file: str) -> SurveyDefinition:
    """``base`` with its ``languages`` table parsed and checked against it."""
    if not isinstance(raw, dict):
        raise DefinitionError(file, "must be a table of languages", field="languages")
    translated = tuple(_language(base, code, table, file) for code, table in raw.items())
    return replace(base, translations=translated)


def _text(table: dict[str, Any], name: str, wanted: bool, err: Any) -> str:
    """A translated text that the English has (``wanted``) or must not have."""
    value = table.get(name, "")
    if not isinstance(value, str):
        raise err(name, "must be a string")
    if wanted and not value.strip():
        raise err(name, "is missing: the English has it, so every language needs it")
    if value.strip() and not wanted:
        raise err(name, "is given but the English has none")
    return value.strip()


def _language(base: SurveyDefinition, code: str, table: Any, file: str) -> SurveyDefinition:
    lang = f"language {code!r}"
    if code not in LANGUAGES or code == base.language:
        others = ", ".join(c for c in LANGUAGES if c != base.language)
        raise DefinitionError(file, f"{lang} is not one of {others}", field="languages")
    if not isinstance(table, dict):
        raise DefinitionError(file, f"{lang} must be a table", field="languages")

    def err(field: str, message: str) -> DefinitionError:
        return DefinitionError(file, f"{lang}: {message}", field=field)

    questions = table.get("questions")
    if not isinstance(questions, dict):
        raise err("questions", "must give every question's texts, by question key")
    keys = [q.key for q in base.questions]
    missing = [k for k in keys if k not in questions]
    extra = [k for k in questions if k not in keys]
    if missing or extra:
        raise err(
            "questions",
            "must have the same questions as the survey"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; not in the survey: {', '.join(extra)}" if extra else ""),
        )
    return replace(
        base,
        language=code,
        title=_text(table, "title", True, err),
        intro=_text(table, "intro", bool(base.intro), err),
        questions=tuple(_question(q, questions[q.key], code, file) for q in base.questions),
        translations=(),
    )


def _question(base: Question, raw: Any, code: str, file: str) -> Question:
    def err(field: str, message: str) -> DefinitionError:
        return DefinitionError(file, f"language {code!r}: {message}", base.key, field)

    if not isinstance(raw, dict):
        raise err("text", "must be a table of texts")
    for name in raw:
        if name not in _QUESTION_FIELDS:
            raise err(name, "is not a known field")
    labels = base.labels
    if base.kind.labelled:
        default = base.labels == DEFAULT_LIKERT_LABELS and "labels" not in raw
        labels = LIKERT_LABELS_BY_LANGUAGE[code] if default else tuple(raw.get("labels") or ())
        if len(labels) != 5 or not all(isinstance(x, str) and x.strip() for x in labels):
            raise err("labels", "must be a list of 5 non-empty labels, from 1 to 5")
    elif "labels" in raw:
        raise err("labels", f"only Likert questions have labels, not {base.type}")
    options = base.options
    if base.options or "options" in raw:
        given = raw.get("options")
        if not isinstance(given, dict):
            raise err("options", "must give a label for every option, by option key")
        wanted = base.option_keys()
        if sorted(given) != sorted(wanted):
            missing = [k for k in wanted if k not in given]
            extra = [k for k in given if k not in wanted]
            raise err(
                "options",
                "must have the same options as the survey"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not in the survey: {', '.join(extra)}" if extra else ""),
            )
        for key, label in given.items():
            if not isinstance(label, str) or not label.strip():
                raise err("options", f"option {key!r} needs a label")
        options = tuple(Option(o.key, given[o.key].strip()) for o in base.options)
    return replace(
        base,
        text=_text(raw, "text", True, err),
        help=_text(raw, "help", bool(base.help), err),
        labels=tuple(x.strip() for x in labels),
        options=options,
        low_label=_text(raw, "low_label", bool(base.low_label), err),
        high_label=_text(raw, "high_label", bool(base.high_label), err),
    )
