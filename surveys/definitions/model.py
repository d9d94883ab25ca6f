"""Survey definitions as typed, immutable values (what the loader produces)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from surveys.definitions.types import TYPES, QuestionType

QUESTION_TYPES: Final = tuple(TYPES)
AUDIENCES: Final = ("mentor", "mentee", "everyone")
KINDS: Final = ("pulse", "climate")
DEFAULT_LIKERT_LABELS: Final = (
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
)
#: The default Likert labels in each language a definition may be translated into: one
#: entry per code of :data:`surveys.languages.LANGUAGES` (a unit test holds them equal).
#: A soft hyphen (U+00AD, invisible unless the line breaks there) marks where a word
#: too long for a fifth of a phone's width may break, as a typesetter would break it.
LIKERT_LABELS_BY_LANGUAGE: Final = {
    "en": DEFAULT_LIKERT_LABELS,
    "fr": (
        "Pas du tout d'accord",
        "Plutôt pas d'accord",
        "Ni d'accord ni pas d'accord",
        "Plutôt d'accord",
        "Tout à fait d'accord",
    ),
    "de": (
        "Stimme über\u00adhaupt nicht zu",
        "Stimme eher nicht zu",
        "Teils, teils",
        "Stimme eher zu",
        "Stimme voll und ganz zu",
    ),
    "es": (
        "Total\u00admente en desa\u00adcuerdo",
        "En desa\u00adcuerdo",
        "Ni de acuerdo ni en desa\u00adcuerdo",
        "De acuerdo",
        "Total\u00admente de acuerdo",
    ),
}


@dataclass(frozen=True)
class Option:
    key: str
    label: str


@dataclass(frozen=True)
class Question:
    """One question. ``key`` is stable across versions so results compare."""

    key: str
    type: str
    text: str
    required: bool
    help: str = ""
    labels: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    max_length: int = 0
    low_label: str = ""
    high_label: str = ""

    @property
    def kind(self) -> QuestionType:
        """What the question's type is (:mod:`surveys.definitions.types`)."""
        return TYPES[self.type]

    @property
    def is_scalar(self) -> bool:
        return self.kind.scalar

    @property
    def value_range(self) -> tuple[int, int]:
        found = self.kind.value_range
        if found is None:
            raise ValueError(f"a {self.type} question has no value range")
        return found

    def option_keys(self) -> tuple[str, ...]:
        return tuple(o.key for o in self.options)


@dataclass(frozen=True)
class SurveyDefinition:
    key: str
    version: int
    kind: str
    audience: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    source: str = field(default="", compare=False)
    #: The language of the texts above; the definition as written is English.
    language: str = "en"
    #: The same survey in each other language (same questions, options and order).
    translations: tuple[SurveyDefinition, ...] = field(default=(), compare=False, repr=False)

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.language, *(t.language for t in self.translations))

    def in_language(self, language: str) -> SurveyDefinition:
        """The survey's texts in ``language``; the definition as written if it has none."""
        for translated in self.translations:
            if translated.language == language:
                return translated
        return self

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)
