"""Checking submitted answers against a survey definition (the single source of truth)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from surveys.definitions import Question, SurveyDefinition

#: A comment's most UTF-8 bytes per allowed character: a comment of ``max_length``
#: characters is at most ``MAX_COMMENT_BYTES * max_length`` bytes, and as many in
#: its sealed JSON (only tab and line break are escaped, to two bytes).
MAX_COMMENT_BYTES = 4
#: Control characters other than tab and line break, and lone surrogates (which
#: UTF-8 cannot encode): invisible, escaped wider than 4 bytes, never meant.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class AnswerValue:
    """One answer row to store: exactly one of value, item or text is set."""

    question_key: str
    value: int | None = None
    item: str = ""
    text: str | None = None


class InvalidAnswers(ValueError):
    """Answers that do not fit the definition; ``errors`` maps question key to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _one(question: Question, raw: Sequence[str]) -> list[AnswerValue] | str:
    values = [v.strip() for v in raw if v.strip()]
    if not values:
        return "Please answer this question." if question.required else []
    if question.type == "multi_choice":
        unknown = [v for v in values if v not in question.option_keys()]
        if unknown:
            return "Please choose from the options shown."
        return [AnswerValue(question.key, item=v) for v in dict.fromkeys(values)]
    if len(values) > 1:
        return "Please choose one answer."
    value = values[0]
    if question.type == "single_choice":
        if value not in question.option_keys():
            return "Please choose from the options shown."
        return [AnswerValue(question.key, item=value)]
    if question.type == "text":
        return _comment(question, value)
    if question.type == "yes_no":
        mapped = {"yes": 1, "no": 0, "1": 1, "0": 0}.get(value)
        if mapped is None:
            return "Please answer yes or no."
        return [AnswerValue(question.key, value=mapped)]
    low, high = question.value_range
    try:
        number = int(value)
    except ValueError:
        return f"Please choose a number from {low} to {high}."
    if not low <= number <= high:
        return f"Please choose a number from {low} to {high}."
    return [AnswerValue(question.key, value=number)]


def _comment(question: Question, value: str) -> list[AnswerValue] | str:
    """A comment of at most ``question.max_length`` characters (see :data:`MAX_COMMENT_BYTES`).

    Line breaks count one character each, however the browser sent them (a
    textarea's ``maxlength`` counts one, its form submission sends CR LF).
    """
    if "\x00" in value:
        return "Please remove the invisible NUL character from this answer."
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _INVISIBLE.search(value):
        return "Please remove the invisible control characters from this answer."
    if len(value) > question.max_length:
        return (
            f"Please keep this to {question.max_length} characters at most (it has {len(value)})."
        )
    return [AnswerValue(question.key, text=value)]


def validate_answers(
    definition: SurveyDefinition, raw: Mapping[str, Sequence[str]]
) -> list[AnswerValue]:
    """Turn raw form values (question key -> submitted strings) into answer rows.

    Raises InvalidAnswers naming every question at fault; unknown keys are
    refused so nothing outside the definition is ever stored.
    """
    errors: dict[str, str] = {}
    unknown = set(raw) - {q.key for q in definition.questions}
    for key in sorted(unknown):
        errors[key] = "This is not a question of this survey."
    rows: list[AnswerValue] = []
    for question in definition.questions:
        result = _one(question, raw.get(question.key, ()))
        if isinstance(result, str):
            errors[question.key] = result
        else:
            rows.extend(result)
    if errors:
        raise InvalidAnswers(errors)
    return rows
