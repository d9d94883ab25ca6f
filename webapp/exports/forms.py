"""The export request form: scope (firms the account may see, programme, surveys, dates)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (a fieldset in the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


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
