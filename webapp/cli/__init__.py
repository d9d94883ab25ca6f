"""The ``flipside`` command line: one group, one way to fail, one list of commands.

``main`` is the ``flipside`` script (``pyproject.toml``): a plain click group
holding :data:`COMMANDS`, Flipside's own commands only (not Flask's ``run``,
``shell`` and ``routes``). Listing them needs no app, so ``flipside --help`` and
every ``--help`` work with no configuration at all; a command that needs the app
(``with_appcontext``) builds it from the environment when it runs, and a bad
setting then stops it with one ``flipside: configuration error`` line. The app
factory registers the same :data:`COMMANDS` on every app, so
``flask --app webapp CMD`` runs them too.

Building the help stays light: ``stats`` (scipy) is a :class:`LazyGroup`,
imported when it is used, and the other command modules import their heavy
libraries inside the commands.

The helpers here (:func:`fail`, :func:`settings`, :func:`check_database`) are the
ones every command module uses, so each error reads ``flipside: ...`` on stderr
with the same exit codes.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from functools import cached_property
from typing import Any, NoReturn

import click
from flask import Flask
from flask.cli import ScriptInfo
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


class LazyGroup(click.Group):
    """A command group named and described here, imported from ``target`` when it is used.

    The parent's help reads only the name and ``help``; ``flipside stats ...`` imports
    ``target`` (``module:attribute``) and hands over to the real group.
    """

    def __init__(self, name: str, target: str, help: str) -> None:
        super().__init__(name, help=help)
        self.target = target

    @cached_property
    def real(self) -> click.Group:
        module, _, attribute = self.target.partition(":")
        group = getattr(importlib.import_module(module), attribute)
        assert isinstance(group, click.Group)
        return group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self.real.list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.real.get_command(ctx, cmd_name)


# The command modules import the helpers above, so they are imported after them.
from webapp.cli import accounts  # noqa: E402,F401  (adds commands to users and firms)
from webapp.cli.admin import firms_cli, people_cli, users_cli  # noqa: E402
from webapp.cli.aggregates import aggregates_cli  # noqa: E402
from webapp.cli.db import db_cli  # noqa: E402
from webapp.cli.exports import export_command  # noqa: E402
from webapp.cli.keys import keys_cli, mix_command  # noqa: E402
from webapp.cli.operations import demo_command, queues_command, serve_command  # noqa: E402
from webapp.cli.plans import plan_cli  # noqa: E402
from webapp.cli.surveys import surveys_cli  # noqa: E402

stats = LazyGroup(
    "stats",
    "webapp.cli.stats:stats",
    help="Statistics on a CSV file, with R's conventions (see PRODUCT.md 2.5).",
)

#: Every Flipside command; ``main`` holds them and ``webapp.register_commands`` adds
#: each one to the app.
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
    plan_cli,
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


class FlipsideGroup(click.Group):
    """The ``flipside`` group: its commands find the app through a :class:`ScriptInfo`
    (what Flask's ``with_appcontext`` reads), built only when a command asks for it."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        if "obj" not in extra:
            extra["obj"] = ScriptInfo(
                create_app=_create_app, set_debug_flag=False, load_dotenv_defaults=False
            )
        return super().make_context(info_name, args, parent, **extra)


main = FlipsideGroup(
    "flipside",
    help="Flipside: surveys and feedback for reverse-mentoring programmes.",
    commands=COMMANDS,
)
