"""``flipside users create|list|set-role|deactivate|activate|reset|delete`` and ``firms sso``.

The first administrator of a new installation is made here:
``flipside users create --role admin --email you@firm.example`` prints a
single-use link to choose the password (or ``--password`` reads one from a
prompt, or from stdin when it is not a terminal). Every change is written to the
account audit log with "command line" as its author.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import ACCOUNT_ROLES, Account
from surveys.mail import account_link
from surveys.services.accounts import find_account, new_account
from surveys.services.errors import ServiceError
from surveys.services.members import assign_programmes, programmes_by_id
from surveys.services.sso import SSO_ROLES, SsoSettings, parse_domains, save_sso
from surveys.services.staff import (
    audit,
    check_scope,
    delete_account,
    firms_by_slug,
    issue_link,
    set_active,
    set_password,
    set_role,
)
from webapp import current
from webapp.cli.admin import firms_cli, users_cli
from webapp.cli.base import check_database, fail, settings

ROLE = click.Choice(ACCOUNT_ROLES)
FIRMS = click.option(
    "--firm", "firms", multiple=True, help="A firm's slug (repeat for several); not for admins."
)


def _secret(prompt: str) -> str:
    """A secret from a hidden prompt (typed twice) or, when stdin is not a terminal, its line."""
    if sys.stdin.isatty():
        return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


def _account(session: Session, email: str) -> Account:
    account = find_account(session, email)
    if account is None:
        fail(f"there is no account {email!r}")
    return account


def _print_link(email: str, secret: str, expires: str) -> None:
    click.echo(f"set-password link for {email} (works once, until {expires} UTC):")
    click.echo(account_link(settings().base_url, secret))


@users_cli.command("create")
@click.option("--email", required=True, help="The person's e-mail address (their sign-in name).")
@click.option(
    "--role", type=ROLE, required=True, help="admin, lead (D&I lead), researcher or coordinator."
)
@FIRMS
@click.option(
    "--password",
    "ask_password",
    is_flag=True,
    help="Read the password from a prompt (or stdin) instead of printing a set-password link.",
)
@click.option(
    "--programme", "programmes", type=int, multiple=True, help="A coordinator's programme id."
)
@with_appcontext
def user_create(
    email: str, role: str, firms: tuple[str, ...], ask_password: bool, programmes: tuple[int, ...]
) -> None:
    """Create a staff account; print a one-time link to choose its password (48 hours)."""
    check_database()
    if (role == "coordinator") != bool(programmes):
        fail("a coordinator, and only a coordinator, is given programmes (--programme)")
    password = _secret("Password") if ask_password else None
    try:
        with current.database().transaction() as session:
            scope = firms_by_slug(session, list(firms))
            check_scope(role, scope)
            account = new_account(session, email, role, scope)
            if programmes:
                assign_programmes(session, account, programmes_by_id(session, programmes))
            audit(session, "created", account, None, role=role, firms=list(firms), via="cli")
            if password is not None:
                set_password(session, account, password, None)
                issued = None
            else:
                issued = issue_link(session, account, "invite")
            account_id = account.id
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"account {account_id} created: {email.strip().lower()} ({role})")
    if issued is not None:
        _print_link(email, issued.secret, f"{issued.expires_at:%Y-%m-%d %H:%M}")


@users_cli.command("list")
@with_appcontext
def user_list() -> None:
    """Every staff account: e-mail, role, firms and state."""
    check_database()
    with current.database().sessions() as session:
        for account in session.scalars(select(Account).order_by(Account.email)):
            firms = ",".join(sorted(f.slug for f in account.firms)) or "-"
            state = (
                "deactivated"
                if not account.active
                else "active"
                if account.password_hash or account.sso_subject
                else "invited"
            )
            click.echo(f"{account.id}\t{account.email}\t{account.role}\t{firms}\t{state}")


@users_cli.command("set-role")
@click.option("--email", required=True)
@click.option("--role", type=ROLE, required=True)
@FIRMS
@with_appcontext
def user_set_role(email: str, role: str, firms: tuple[str, ...]) -> None:
    """Change an account's role and firms (a lead or researcher needs at least one firm)."""
    check_database()
    try:
        with current.database().transaction() as session:
            set_role(
                session, _account(session, email), role, firms_by_slug(session, list(firms)), None
            )
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"{email}: {role} {' '.join(firms)}".rstrip())


def _set_active(email: str, active: bool) -> None:
    check_database()
    try:
        with current.database().transaction() as session:
            set_active(session, _account(session, email), active, None)
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"{email}: {'active' if active else 'deactivated'}")


@users_cli.command("deactivate")
@click.option("--email", required=True)
@with_appcontext
def user_deactivate(email: str) -> None:
    """Stop an account signing in (and its API tokens working); nothing is deleted."""
    _set_active(email, False)


@users_cli.command("activate")
@click.option("--email", required=True)
@with_appcontext
def user_activate(email: str) -> None:
    """Let a deactivated account sign in again."""
    _set_active(email, True)


@users_cli.command("reset")
@click.option("--email", required=True)
@with_appcontext
def user_reset(email: str) -> None:
    """Print a one-time link to choose a new password (older links stop working)."""
    check_database()
    try:
        with current.database().transaction() as session:
            account = _account(session, email)
            purpose = "reset" if account.password_hash else "invite"
            issued = issue_link(session, account, purpose)
    except ServiceError as exc:
        fail(str(exc))
    _print_link(email, issued.secret, f"{issued.expires_at:%Y-%m-%d %H:%M}")


@users_cli.command("delete")
@click.option("--email", required=True)
@click.confirmation_option(prompt="Delete this account, its API tokens and its exports?")
@with_appcontext
def user_delete(email: str) -> None:
    """Delete an account (the audit log keeps what it did)."""
    check_database()
    try:
        with current.database().transaction() as session:
            delete_account(session, _account(session, email), None)
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"{email}: deleted")


@firms_cli.command("sso")
@click.option("--firm", "slug", required=True, help="The firm's slug.")
@click.option("--provider-name", required=True, help='For the button: "Sign in with <name>".')
@click.option("--issuer", required=True, help="The OpenID issuer URL (https://...).")
@click.option("--client-id", required=True)
@click.option(
    "--domain", "domains", multiple=True, required=True, help="An allowed e-mail domain (repeat)."
)
@click.option("--auto-provision/--no-auto-provision", default=False, show_default=True)
@click.option("--default-role", type=click.Choice(SSO_ROLES), default="researcher")
@click.option("--keep-secret", is_flag=True, help="Keep the saved client secret.")
@with_appcontext
def firm_sso(
    slug: str,
    provider_name: str,
    issuer: str,
    client_id: str,
    domains: tuple[str, ...],
    auto_provision: bool,
    default_role: str,
    keep_secret: bool,
) -> None:
    """Set up the firm's OpenID Connect sign-in; the client secret is read from a prompt/stdin."""
    check_database()
    secret = None if keep_secret else _secret("Client secret")
    try:
        with current.database().transaction() as session:
            firm = firms_by_slug(session, [slug])[0]
            values = SsoSettings(
                provider_name=provider_name,
                issuer=issuer,
                client_id=client_id,
                client_secret=secret,
                allowed_domains=parse_domains(" ".join(domains)),
                auto_provision=auto_provision,
                default_role=default_role,
            )
            save_sso(session, firm.id, values, settings().secret_key, None)
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"single sign-on for {slug}: {issuer} ({', '.join(values.allowed_domains)})")
    click.echo(f"redirect URI to register at the provider: {settings().base_url}/auth/sso/callback")
