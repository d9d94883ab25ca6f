"""The export request form: scope (firms the account may see, programme, surveys, dates)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from surveys.export.priorities import PROTECTABLE


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (a fieldset in the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


#: How many quasi-identifiers the form lets a researcher order (the API and CLI take any).
PRIORITY_SLOTS = 3
_PROTECT_CHOICES = [SelectChoice("", "No preference")] + [
    SelectChoice(name, name.replace("_", " ")) for name in PROTECTABLE
]


def _priority(place: str) -> SelectField:
    return SelectField(place, choices=_PROTECT_CHOICES, default="")


class ExportForm(FlaskForm):
    firms = CheckboxesField(
        "Firms",
        coerce=int,
        description="Leave all unticked to export every firm you may see.",
        validate_choice=False,  # the service decides, and answers 403 outside your firms
    )
    programme = SelectField("Programme", coerce=int, validate_choice=False)
    surveys = CheckboxesField("Surveys", description="Leave all unticked to export every survey.")
    date_from = DateField("Answered on or after", validators=[Optional()])
    date_to = DateField("Answered on or before", validators=[Optional()])
    include_comments = BooleanField(
        "Include free-text comments (only for groups of at least 10 respondents, with "
        "e-mail addresses, phone numbers and names masked)"
    )
    protect_1 = _priority("Keep first")
    protect_2 = _priority("Then keep")
    protect_3 = _priority("Then keep")

    def protect(self) -> list[str]:
        """The priority order chosen, most important first (blank slots left out)."""
        slots = (self.protect_1, self.protect_2, self.protect_3)[:PRIORITY_SLOTS]
        return [str(f.data) for f in slots if f.data]


class DpExportForm(FlaskForm):
    round_id = SelectField("Survey round", coerce=int, validate_choice=False)
    by = SelectField(
        "Cohorts",
        choices=[
            SelectChoice("role", "Role"),
            SelectChoice("level_band", "Level band"),
            SelectChoice("tenure_band", "Tenure band"),
            SelectChoice("gender_group", "Gender group"),
        ],
    )
    epsilon = FloatField(
        "Privacy loss (epsilon)",
        validators=[
            DataRequired("Please give an epsilon."),
            NumberRange(0.01, 1.0, "Choose an epsilon from 0.01 to 1."),
        ],
        description="Smaller is more private and noisier; each round has a total budget of 2.",
    )
