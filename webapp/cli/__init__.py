"""The ``flipside`` command line: one group, one way to fail, one list of commands.

``main`` is the ``flipside`` script (``pyproject.toml``). It is a Flask CLI group
built on the app factory, so ``flipside CMD`` and ``flask --app webapp CMD`` run
the same commands: the factory registers :data:`COMMANDS` on every app. The
helpers here (:func:`fail`, :func:`settings`, :func:`check_database`) are the
ones every command module uses, so each error reads ``flipside: ...`` on stderr
with the same exit codes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError

from surveys.settings import Settings, SettingsError
from webapp import current


def fail(message: str, lines: Sequence[str] = (), code: int = 2) -> NoReturn:
    """Print ``flipside: message`` (and each of ``lines`` indented) to stderr and exit.

    Exit codes: 2 for bad input or configuration (the default), 1 when the system
    is not in the state asked for (unreachable database, failed export), 3 when
    the account may not do it.
    """
    click.echo(f"flipside: {message}", err=True)
    for line in lines:
        click.echo(f"  {line}", err=True)
    sys.exit(code)


def settings() -> Settings:
    """The settings of the app the command runs in (it must run in an app context)."""
    return current.settings()


def check_database() -> None:
    """Stop with one clear line when the configured database cannot be reached."""
    try:
        current.database().ping()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        fail(f"DATABASE_URL: cannot connect to the database ({reason})", code=1)


# The command modules import the helpers above, so they are imported after them.
from webapp.cli import accounts  # noqa: E402,F401  (adds commands to users and firms)
from webapp.cli.admin import firms_cli, people_cli, users_cli  # noqa: E402
from webapp.cli.aggregates import aggregates_cli  # noqa: E402
from webapp.cli.db import db_cli  # noqa: E402
from webapp.cli.exports import export_command  # noqa: E402
from webapp.cli.keys import keys_cli, mix_command  # noqa: E402
from webapp.cli.operations import demo_command, queues_command, serve_command  # noqa: E402
from webapp.cli.stats import stats  # noqa: E402
from webapp.cli.surveys import surveys_cli  # noqa: E402

#: Every Flipside command; ``webapp.register_commands`` adds each one to the app.
COMMANDS: list[click.Command] = [
    db_cli,
    demo_command,
    queues_command,
    serve_command,
    people_cli,
    users_cli,
    firms_cli,
    aggregates_cli,
    export_command,
    surveys_cli,
    stats,
    keys_cli,
    mix_command,
]


def _create_app(*_: Any) -> Flask:
    from webapp import create_app

    try:
        return create_app()
    except SettingsError as exc:
        fail(f"configuration error: {exc}")


main = FlaskGroup(create_app=_create_app, add_default_commands=True, load_dotenv=False)
# The app's commands are only found once the app is built, and building it needs the
# configuration (SECRET_KEY, DATABASE_URL ...). `stats` (a researcher's own CSV) and
# `surveys check` (the definition files) and `keys generate` (new keys) need none, so
# their groups also sit on `main` directly and run with no configuration at all.
main.add_command(stats)
main.add_command(surveys_cli)
main.add_command(keys_cli)
