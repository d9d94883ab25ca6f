"""Survey definitions as typed, immutable values (what the loader produces)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

QUESTION_TYPES: Final = ("likert5", "scale0_10", "single_choice", "multi_choice", "yes_no", "text")
AUDIENCES: Final = ("mentor", "mentee", "everyone")
KINDS: Final = ("pulse", "climate")
DEFAULT_LIKERT_LABELS: Final = (
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
)


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
    def is_scalar(self) -> bool:
        return self.type in {"likert5", "scale0_10", "yes_no"}

    @property
    def value_range(self) -> tuple[int, int]:
        return {"likert5": (1, 5), "scale0_10": (0, 10), "yes_no": (0, 1)}[self.type]

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

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)
