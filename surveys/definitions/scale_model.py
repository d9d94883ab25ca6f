"""Multi-item scales as typed values: items, reverse keying, subscales and scoring.

A scale is a set of Likert items (1–5) scored as the mean of its items after
reverse-keyed items are turned round (``6 - answer``); each subscale is the mean
of its own items. A score needs every one of its items answered: no prorating,
so a score always rests on the same items for everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from surveys.definitions.model import DEFAULT_LIKERT_LABELS, Question

#: Licences under which Flipside itself may ship a scale's wording.
OPEN_LICENCES: Final = ("CC-BY-4.0", "CC0-1.0", "public-domain")
#: A firm's own scale: used under the firm's licence, never shipped with Flipside.
FIRM_LICENCE: Final = "firm-licensed"
LIKERT_LOW, LIKERT_HIGH = 1, 5
TOTAL: Final = "total"


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    reverse: bool = False
    subscale: str = ""


@dataclass(frozen=True)
class Subscale:
    key: str
    title: str


@dataclass(frozen=True)
class Scale:
    """One versioned scale; ``source`` names the file it came from."""

    key: str
    version: int
    title: str
    instructions: str
    citation: str
    licence: str
    licence_terms: str
    validated: bool
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...] = ()
    labels: tuple[str, ...] = DEFAULT_LIKERT_LABELS
    source: str = field(default="", compare=False)
    language: str = "en"
    translations: tuple[Scale, ...] = field(default=(), compare=False, repr=False)

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.language, *(t.language for t in self.translations))

    def in_language(self, language: str) -> Scale:
        """The scale's texts in ``language``; as written (English) if it has none."""
        return next((t for t in self.translations if t.language == language), self)

    def item_keys(self, subscale: str = TOTAL) -> tuple[str, ...]:
        if subscale == TOTAL:
            return tuple(i.key for i in self.items)
        if subscale not in {s.key for s in self.subscales}:
            raise KeyError(f"scale {self.key} has no subscale {subscale!r}")
        return tuple(i.key for i in self.items if i.subscale == subscale)

    def questions(self) -> tuple[Question, ...]:
        """The items as required Likert questions, to ask them in a survey."""
        return tuple(
            Question(key=i.key, type="likert5", text=i.text, required=True, labels=self.labels)
            for i in self.items
        )

    def keyed(self, item: str, answer: int) -> int:
        """``answer`` to ``item`` scored in the scale's direction (reverse: 6 - answer)."""
        if not LIKERT_LOW <= answer <= LIKERT_HIGH or isinstance(answer, bool):
            raise ValueError(f"item {item!r}: answer {answer!r} is not from 1 to 5")
        reverse = next(i.reverse for i in self.items if i.key == item)
        return LIKERT_LOW + LIKERT_HIGH - answer if reverse else answer

    def score(self, answers: Mapping[str, int | None]) -> dict[str, float | None]:
        """The total and each subscale's score for one response (None: an item unanswered)."""
        scores: dict[str, float | None] = {}
        for part in (TOTAL, *(s.key for s in self.subscales)):
            keys = self.item_keys(part)
            keyed: list[int] = []
            for k in keys:
                value = answers.get(k)
                if value is None:
                    break
                keyed.append(self.keyed(k, value))
            scores[part] = sum(keyed) / len(keyed) if len(keyed) == len(keys) else None
        return scores
