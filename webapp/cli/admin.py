"""``flipside people``, ``flipside users`` and ``flipside firms``: imports, API tokens, webhooks."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from surveys.db.models import Firm
from surveys.services.accounts import find_account
from surveys.services.api_tokens import create_api_token, revoke_api_token
from surveys.services.errors import ServiceError
from surveys.services.people import (
    ImportRejected,
    enrol_from_rows,
    import_people,
    read_csv,
    read_enrolment_csv,
)
from surveys.services.programmes import create_firm
from surveys.services.webhooks import rotate_webhook_secret
from webapp import current
from webapp.cli.base import fail, settings


def _firm_id(slug: str) -> int:
    with current.database().sessions() as session:
        firm_id = session.scalar(select(Firm.id).where(Firm.slug == slug))
    if firm_id is None:
        fail(f"there is no firm {slug!r}")
    return firm_id


@click.group("people", help="People from a firm's HR data.")
def people_cli() -> None:
    pass


@people_cli.command("import")
@click.option("--firm", "slug", required=True, help="The firm's slug, e.g. harcourt-vale.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(slug: str, file: Path) -> None:
    """Import FILE (an HR CSV): all or nothing; every problem is listed with its row."""
    firm_id = _firm_id(slug)
    try:
        with current.database().transaction() as session:
            result = import_people(session, firm_id, read_csv(file.read_bytes()))
    except ImportRejected as exc:
        fail(f"{file.name}: {exc}", [str(p) for p in exc.problems])
    except ServiceError as exc:
        fail(str(exc))
    else:
        click.echo(f"{file.name}: {result}")


@people_cli.command("enrol")
@click.option("--programme", "programme_id", type=int, required=True, help="The programme's id.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def enrol_command(programme_id: int, file: Path) -> None:
    """Enrol FILE (CSV internal_id,role) into the programme: all or nothing, problems by row."""
    try:
        with current.database().transaction() as session:
            result = enrol_from_rows(session, programme_id, read_enrolment_csv(file.read_bytes()))
    except ImportRejected as exc:
        fail(f"{file.name}: {exc}", [str(p) for p in exc.problems])
    except ServiceError as exc:
        fail(str(exc))
    else:
        click.echo(f"{file.name}: {result}")


@click.group("users", help="Staff accounts and their API tokens.")
def users_cli() -> None:
    pass


@users_cli.group("token", help="API tokens: create (shown once) and revoke.")
def token_cli() -> None:
    pass


@token_cli.command("create")
@click.option("--email", required=True, help="The account the token acts as.")
@click.option("--name", required=True, help="What the token is for, e.g. 'HR sync'.")
@with_appcontext
def token_create(email: str, name: str) -> None:
    """Print a new API token once; store it in your integration's secret store."""
    try:
        with current.database().transaction() as session:
            account = find_account(session, email)
            if account is None:
                fail(f"there is no account {email!r}")
            issued = create_api_token(session, account.id, name)
    except ServiceError as exc:
        fail(str(exc))
    else:
        click.echo(f"token {issued.id} ({issued.name}); shown only now:")
        click.echo(issued.secret)


@token_cli.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def token_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID; calls with it get 401 from now on."""
    try:
        with current.database().transaction() as session:
            revoke_api_token(session, token_id)
    except ServiceError as exc:
        fail(str(exc))
    else:
        click.echo(f"token {token_id} revoked")


@click.group("firms", help="Firms (tenants).")
def firms_cli() -> None:
    pass


@firms_cli.command("create")
@click.option("--name", required=True, help="The firm's name.")
@click.option("--slug", required=True, help="Short name for URLs and commands, e.g. harcourt-vale.")
@click.option("--min-group-size", type=int, default=None, help="k for this firm (3-10).")
@with_appcontext
def firm_create(name: str, slug: str, min_group_size: int | None) -> None:
    """Create a firm."""
    try:
        with current.database().transaction() as session:
            firm = create_firm(session, name, slug, min_group_size=min_group_size)
            firm_id = firm.id
    except ServiceError as exc:
        fail(str(exc))
    else:
        click.echo(f"firm {firm_id} created: {slug}")


@firms_cli.command("webhook-secret")
@click.option("--firm", "slug", required=True)
@with_appcontext
def webhook_secret_command(slug: str) -> None:
    """Rotate the firm's calendar-webhook secret and print the new one once."""
    firm_id = _firm_id(slug)
    with current.database().transaction() as session:
        secret = rotate_webhook_secret(session, firm_id, settings().secret_key)
    hours = settings().webhook_secret_overlap_hours
    click.echo(
        f"new webhook secret for {slug} (the old one keeps working for {hours} h); shown only now:"
    )
    click.echo(secret)
