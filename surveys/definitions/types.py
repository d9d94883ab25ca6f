"""The question types, as one registry (Indico keeps one class per survey field type).

A question's ``type`` in a definition file is a key of :data:`TYPES`; what differs
between types is a column here, read through ``Question.kind``, so the loader, the
answer checks, the form, the reports and the export ask the type rather than compare
its name. A new type is one row here and its widget; the parametrised test
``tests/integration/test_question_types.py`` renders, validates, aggregates and
exports every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class QuestionType:
    key: str
    #: The values a scalar answer takes (it is counted in histograms); None: not scalar.
    value_range: tuple[int, int] | None = None
    #: Answered by options (``options`` in the file); ``multi``: several per answer.
    choice: bool = False
    multi: bool = False
    #: Labelled values 1..5 (``labels`` in the file, with defaults per language).
    labelled: bool = False
    #: The comparison builder and the headline compare its means.
    scored: bool = False
    #: The answer scale in words ("1–5", "0–10"); "" when it has none.
    scale_label: str = ""
    #: SPSS/Stata measurement level of its column in an export.
    measure: str = "scale"

    @property
    def scalar(self) -> bool:
        return self.value_range is not None


LIKERT5: Final = QuestionType(
    "likert5", (1, 5), labelled=True, scored=True, scale_label="1–5", measure="ordinal"
)
SCALE0_10: Final = QuestionType("scale0_10", (0, 10), scored=True, scale_label="0–10")
SINGLE_CHOICE: Final = QuestionType("single_choice", choice=True, measure="nominal")
MULTI_CHOICE: Final = QuestionType("multi_choice", choice=True, multi=True, measure="nominal")
YES_NO: Final = QuestionType("yes_no", (0, 1), measure="nominal")
TEXT: Final = QuestionType("text")

#: Every question type, by the key a definition file names it with (in the files' order).
TYPES: Final = {t.key: t for t in (LIKERT5, SCALE0_10, SINGLE_CHOICE, MULTI_CHOICE, YES_NO, TEXT)}
