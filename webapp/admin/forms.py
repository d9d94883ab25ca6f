from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class RecordMeetingForm(FlaskForm):
    pairing_id = SelectField("Pairing", coerce=int, validators=[DataRequired()])
    held_on = DateField("Date of the meeting", validators=[DataRequired("Please give a date.")])


class LaunchRoundForm(FlaskForm):
    label = StringField(
        "Round",
        validators=[DataRequired("Please name the round."), Length(max=60)],
        description="For example: baseline, follow-up",
    )
    closes_on = DateField(
        "Last day to answer", validators=[DataRequired("Please give the closing date.")]
    )


class PeopleImportForm(FlaskForm):
    file = FileField(
        "HR file (CSV)",
        validators=[FileRequired("Please choose a CSV file.")],
        description="One row per person; nothing is imported unless every row is valid.",
    )
