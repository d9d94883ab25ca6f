"""WTForms forms built from a survey definition."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired

from surveys.definitions import Question, SurveyDefinition


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _choices(question: Question) -> list[SelectChoice]:
    if question.type == "likert5":
        pairs = [(str(i + 1), label) for i, label in enumerate(question.labels)]
    elif question.type == "scale0_10":
        pairs = [(str(i), str(i)) for i in range(11)]
    elif question.type == "yes_no":
        pairs = [("yes", gettext("Yes")), ("no", gettext("No"))]
    else:
        pairs = [(o.key, o.label) for o in question.options]
    return [SelectChoice(value, label) for value, label in pairs]


def _field(question: Question) -> Field:
    """A field that renders the question; answers are checked by the survey's own rules
    (surveys.domain.answers), whose messages the view puts back on the field."""
    if question.type == "text":
        return TextAreaField(question.text)
    if question.type == "multi_choice":
        return MultiCheckboxField(question.text, choices=_choices(question))
    return RadioField(question.text, choices=_choices(question))


@cache  # per definition, and so per language (the page renders in the definition's)
def _form_class(definition: SurveyDefinition) -> type[FlaskForm]:
    attrs: dict[str, Any] = {q.key: _field(q) for q in definition.questions}
    return type(f"{definition.key.title()}V{definition.version}Form", (FlaskForm,), attrs)


def survey_form(definition: SurveyDefinition, **kwargs: Any) -> FlaskForm:
    """A form with one field per question (named by the question key); classes are cached.

    Its CSRF token is bound to the link, not to a session (webapp/respond/context.py),
    so the form's own session-based token is off."""
    form: FlaskForm = _form_class(definition)(meta={"csrf": False}, **kwargs)
    return form


class WeMetForm(FlaskForm):
    held_on = DateField("When did you meet?", validators=[DataRequired("Please give a date.")])
