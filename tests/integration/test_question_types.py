"""Every question type of the registry renders, validates, aggregates and exports.

One parametrised test over :data:`surveys.definitions.types.TYPES`: a new type that
misses a widget, an answer check, a cell or an export column fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from surveys.aggregates import CellKey, contributions
from surveys.definitions import parse_definition
from surveys.definitions.types import TYPES, QuestionType
from surveys.domain.answers import InvalidAnswers, validate_answers
from surveys.export.fields import table_fields
from webapp.respond.forms import survey_form

#: A good answer and a bad one, per type.
ANSWERS: dict[str, tuple[list[str], list[str]]] = {
    "likert5": (["4"], ["6"]),
    "scale0_10": (["9"], ["11"]),
    "single_choice": (["b"], ["z"]),
    "multi_choice": (["a", "b"], ["z"]),
    "yes_no": (["yes"], ["maybe"]),
    "text": (["Fine, thanks."], ["x" * 5000]),
}


def definition(kind: QuestionType) -> Any:
    options = 'options = [{ key = "a", label = "Alpha" }, { key = "b", label = "Beta" }]'
    extra = options if kind.choice else ""
    if kind.key == "text":
        extra = "required = false"
    return parse_definition(
        f"""
key = "probe"
version = 1
kind = "climate"
audience = "everyone"
title = "Probe"
intro = "One question."

[[questions]]
key = "q"
type = "{kind.key}"
text = "The question?"
{extra}
""",
        "probe.v1.toml",
    )


def test_every_type_has_an_answer_here() -> None:
    assert set(ANSWERS) == set(TYPES)


@pytest.mark.parametrize("key", list(TYPES))
def test_every_question_type_renders_validates_aggregates_and_exports(key: str, app: Flask) -> None:
    kind = TYPES[key]
    survey = definition(kind)
    (question,) = survey.questions
    assert question.kind is kind and question.is_scalar == kind.scalar
    # Renders: a field named after the question, one input per value or option.
    with app.test_request_context():
        html = str(survey_form(survey)["q"]())
    assert 'name="q"' in html
    if kind.value_range is not None and kind.key != "yes_no":
        low, high = kind.value_range
        assert html.count('type="radio"') == high - low + 1
    if kind.choice:
        assert html.count('value="a"') == 1 and html.count('value="b"') == 1
    # Validates: the good answer gives rows, the bad one is refused with a sentence.
    good, bad = ANSWERS[key]
    rows = validate_answers(survey, {"q": good})
    assert rows and all(r.question_key == "q" for r in rows)
    with pytest.raises(InvalidAnswers) as refused:
        validate_answers(survey, {"q": bad})
    assert refused.value.errors["q"]
    # Aggregates: scalar and choice answers count in cells; free text never does.
    response = CellKey("probe", 1, "", "", 1, 1, "mentor", "mid", "2-5y", "woman", "round", "3")
    cells = contributions(response, rows)
    answered = {k for k in cells if k.question_key == "q"}
    if kind.scalar or kind.choice:
        assert answered, "a scalar or choice answer adds to a cell"
        if kind.value_range is not None:
            (cell,) = answered
            value = rows[0].value
            assert value is not None and kind.value_range[0] <= value <= kind.value_range[1]
            assert cells[cell].histogram == {str(value): 1}
    else:
        assert answered == set()
    # Exports: a column per value (per option for several), with the type's measure.
    columns = [f for f in table_fields([survey], pseudonyms=False, with_comments=True)]
    mine = [f for f in columns if f.name == "q" or f.name.startswith("q_")]
    assert mine, [f.name for f in columns]
    if kind.scalar:
        assert mine[0].measure == kind.measure
    if kind.multi:
        assert {f.name for f in mine} == {"q_a", "q_b"}
