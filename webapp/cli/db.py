"""``flipside db upgrade|downgrade|current``: the schema migrations (the ``release`` step)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from surveys.db import migrate
from webapp.cli.base import check_database, settings


@click.group("db", help="Database schema migrations.")
def db_cli() -> None:
    pass


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    check_database()
    migrate.upgrade(settings().database_url, revision)
    click.echo(f"database at revision {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    check_database()
    migrate.downgrade(settings().database_url, revision)


@db_cli.command("current")
@with_appcontext
def db_current() -> None:
    check_database()
    migrate.current(settings().database_url)
