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

The helpers every command module uses (:func:`fail`, :func:`settings`,
:func:`check_database`, :class:`LazyGroup`) live in :mod:`webapp.cli.base`, so each
error reads ``flipside: ...`` on stderr with the same exit codes.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import ScriptInfo

from surveys.settings import SettingsError
from webapp.cli import accounts  # noqa: F401  (adds commands to users and firms)
from webapp.cli.admin import firms_cli, people_cli, users_cli
from webapp.cli.aggregates import aggregates_cli
from webapp.cli.base import LazyGroup, fail
from webapp.cli.db import db_cli
from webapp.cli.exports import export_command
from webapp.cli.keys import keys_cli, mix_command
from webapp.cli.operations import demo_command, queues_command, serve_command
from webapp.cli.surveys import surveys_cli

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
