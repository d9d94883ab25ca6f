"""Forms of a staff member's own password: set it from a link, ask for a reset, change it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from surveys.services.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

_LENGTH = Length(
    MIN_PASSWORD_LENGTH,
    MAX_PASSWORD_LENGTH,
    f"A password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
)


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired("Please choose a password."), _LENGTH],
        description=f"At least {MIN_PASSWORD_LENGTH} characters; a few words make a good one.",
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired("Please type the password again."),
            EqualTo("password", "The two passwords differ."),
        ],
    )


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(
        "Current password", validators=[DataRequired("Please give your current password.")]
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "E-mail address",
        validators=[DataRequired("Please give your e-mail address."), Length(max=254)],
    )
