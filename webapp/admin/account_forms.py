"""Forms of the accounts page (administrators) and of a firm's single sign-on settings.

A missing field is an error, never read as "off": the role and the active
state are required values, and deleting needs its confirmation box ticked.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from surveys.db.models import ACCOUNT_ROLES

ROLE_LABELS = {
    "admin": "Administrator",
    "lead": "D&I lead",
    "researcher": "Researcher",
    "coordinator": "Programme coordinator",
}


class RoleForm(FlaskForm):
    #: Every role; a coordinator is given programmes, not firms
    #: (surveys.services.members.assign_programmes).
    role = SelectField(
        "Role",
        choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ACCOUNT_ROLES],
        validators=[InputRequired("Please choose a role.")],
    )
    firms = SelectMultipleField(
        "Firms", description="A D&I lead or researcher sees only these firms.", choices=[]
    )
    programmes = SelectMultipleField(
        "Programmes",
        description="A programme coordinator sees only these programmes, as a whole.",
        choices=[],
    )


class NewAccountForm(RoleForm):
    email = EmailField(
        "E-mail address",
        validators=[DataRequired("Please give the e-mail address."), Length(max=254)],
    )


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[InputRequired(), AnyOf(["yes", "no"])])


class DeleteForm(FlaskForm):
    confirm = BooleanField(
        "Yes, delete this account",
        validators=[DataRequired("Tick the box to confirm the deletion.")],
    )


class SsoForm(FlaskForm):
    provider_name = StringField(
        "Provider name",
        validators=[DataRequired("Please name the provider."), Length(max=60)],
        description='Shown on the sign-in button, e.g. "Microsoft", "Okta".',
    )
    issuer = StringField(
        "Issuer URL",
        validators=[DataRequired("Please give the issuer URL."), Length(max=255)],
        description="The provider's OpenID issuer, e.g. https://login.microsoftonline.com/<tenant>/v2.0",
    )
    client_id = StringField(
        "Client id", validators=[DataRequired("Please give the client id."), Length(max=255)]
    )
    client_secret = PasswordField(
        "Client secret",
        validators=[Optional(), Length(max=1000)],
        description="Never shown again once saved. Leave empty to keep the saved one.",
    )
    allowed_domains = StringField(
        "Allowed e-mail domains",
        validators=[DataRequired("Please give at least one domain."), Length(max=1000)],
        description="Comma-separated, e.g. harcourt-vale.com, hv-legal.com",
    )
    auto_provision = SelectField(
        "Unknown addresses",
        choices=[
            SelectChoice("no", "Refuse them (an administrator invites each person)"),
            SelectChoice("yes", "Create an account with the default role"),
        ],
        validators=[InputRequired()],
    )
    default_role = SelectField(
        "Default role",
        choices=[SelectChoice("researcher", "Researcher"), SelectChoice("lead", "D&I lead")],
        validators=[InputRequired()],
    )
