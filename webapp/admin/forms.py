from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation

from surveys.domain.vocab import PROGRAMME_STATUSES, ROLES
from surveys.languages import DEFAULT_LANGUAGE, LANGUAGES, NAMES

#: What a form with a field missing altogether says (a browser always sends these fields).
INCOMPLETE = "This form arrived incomplete, so nothing was changed. Reload the page and try again."


class Sent:
    """The field must be in the submitted form at all (it may be empty).

    A browser always sends a text box or a list, even empty; an unticked box is
    simply absent. A POST that lacks the text boxes was not sent by the page,
    and reading its absent boxes as "off" would switch things off unasked
    (issue 14: a CSRF-only POST switched off a programme's surveys).
    """

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if not field.raw_data:
            raise StopValidation(INCOMPLETE)


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


class FirmForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Please give the firm's name."), Length(max=200)]
    )
    slug = StringField(
        "Short name",
        validators=[DataRequired("Please give a short name."), Length(max=60)],
        description="Lower-case letters, digits and '-', used in commands and the API.",
    )


class FirmSettingsForm(FlaskForm):
    min_group_size = IntegerField(
        "Minimum group size (k)",
        validators=[Sent(), Optional(), NumberRange(3, 10, "Choose a number from 3 to 10.")],
        description="Nothing shown or exported describes fewer people. Empty: the default.",
    )
    benchmarking_opt_in = BooleanField("Pool this firm's aggregates into other firms' benchmarks")
    mail_from = StringField(
        "Invitations come from (e-mail address)",
        validators=[Optional(), Length(max=254)],
        description=(
            "An address of the firm's own domain that Flipside's mail server may send for."
            " Empty: the deployment's default sender."
        ),
    )
    reply_to = StringField(
        "Replies go to (e-mail address)",
        validators=[Optional(), Length(max=254)],
        description="For example the D&I team's mailbox. Empty: no Reply-To.",
    )
    default_language = SelectField(
        "Participants' language when the HR file gives none",
        choices=[SelectChoice("", "English (the default)")]
        + [SelectChoice(code, NAMES[code]) for code in LANGUAGES if code != DEFAULT_LANGUAGE],
        validators=[Optional()],
        description="Survey pages and invitations; a participant's browser language comes first.",
    )


class ProgrammeForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[Sent(), DataRequired("Please name the programme."), Length(max=200)],
    )
    starts_on = DateField(
        "Start date", validators=[Sent(), DataRequired("Please give the start date.")]
    )
    status = SelectField(
        "Status", choices=[SelectChoice(s, s) for s in PROGRAMME_STATUSES], validators=[Sent()]
    )
    longitudinal = BooleanField(
        "Longitudinal: pair each person's before and after answers under a keyed pseudonym"
    )
    pulse_surveys = BooleanField("Pulse surveys after each meeting", default=True)
    climate_surveys = BooleanField("Climate survey rounds (baseline, follow-up)", default=True)
    max_reminders = IntegerField(
        "Reminders at most",
        validators=[Optional(), NumberRange(0, 5, "Please choose 0 to 5 reminders.")],
        description="Leave empty for the default (2).",
    )
    reminder_gap_days = IntegerField(
        "Days between reminders at least",
        validators=[Optional(), NumberRange(1, 30, "Please choose 1 to 30 days.")],
        description="Leave empty for the default (3).",
    )

    def values(self, default_status: str) -> dict[str, Any]:
        """The keyword arguments of surveys.services.programmes.save_programme."""
        return {
            "name": self.name.data or "",
            "starts_on": self.starts_on.data,
            "status": self.status.data or default_status,
            "longitudinal": bool(self.longitudinal.data),
            "pulse_surveys": bool(self.pulse_surveys.data),
            "climate_surveys": bool(self.climate_surveys.data),
            "max_reminders": self.max_reminders.data,
            "reminder_gap_days": self.reminder_gap_days.data,
        }


class EnrolForm(FlaskForm):
    internal_id = StringField(
        "Person (HR id)", validators=[DataRequired("Please give the person's HR id.")]
    )
    role = SelectField("Role", choices=[SelectChoice(r, r) for r in ROLES])


class PairForm(FlaskForm):
    mentor = StringField(
        "Mentor (HR id)",
        validators=[DataRequired("Please give the mentor's HR id.")],
        render_kw={"list": "unpaired-mentors", "autocomplete": "off"},
    )
    mentee = StringField(
        "Mentee (HR id)",
        validators=[DataRequired("Please give the mentee's HR id.")],
        render_kw={"list": "unpaired-mentees", "autocomplete": "off"},
    )
    starts_on = DateField("From", validators=[DataRequired("Please give a date.")])


class EndPairingForm(FlaskForm):
    ends_on = DateField("Ended on", validators=[DataRequired("Please give a date.")])


class ApiTokenForm(FlaskForm):
    name = StringField(
        "What is the token for?",
        validators=[DataRequired("Please name the token."), Length(max=100)],
        description="For example: HR sync, calendar bridge.",
    )


class ConfirmForm(FlaskForm):
    """A button-only form (its CSRF token is the point)."""


class EnrolmentImportForm(FlaskForm):
    file = FileField(
        "Enrolment file (CSV)",
        validators=[FileRequired("Please choose a CSV file.")],
        description="Columns internal_id,role; nothing is enrolled unless every row is valid.",
    )


class EnrolSelectedForm(FlaskForm):
    """The people page's multi-select: the ticked people (``person`` boxes) into a programme."""

    programme_id = SelectField("Programme", coerce=int, validators=[DataRequired()])
    role = SelectField("Role", choices=[SelectChoice(r, r) for r in ROLES])
