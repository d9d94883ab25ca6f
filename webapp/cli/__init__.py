"""The ``flipside`` command line: one group, one way to fail, one list of commands.

``main`` is the ``flipside`` script (``pyproject.toml``): a plain click group
holding the commands of :data:`TABLE`, Flipside's own commands only (not Flask's ``run``,
``shell`` and ``routes``). Listing them needs no app, so ``flipside --help`` and
every ``--help`` work with no configuration at all; a command that needs the app
(``with_appcontext``) builds it from the environment when it runs, and a bad
setting then stops it with one ``flipside: configuration error`` line. The app
factory registers the same :func:`commands` on every app, so
``flask --app webapp CMD`` runs them too.

Building the help stays light (``flipside --help`` in well under a second): the
group knows each command by name and one line of help (:data:`TABLE`) and imports
a command's module only when that command runs or shows its own help; this package
imports neither Flask nor SQLAlchemy. A unit test holds each line to the command's
own help.

The helpers every command module uses (:func:`fail`, :func:`settings`,
:func:`check_database`) live in :mod:`webapp.cli.base`, so each
error reads ``flipside: ...`` on stderr with the same exit codes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from flask import Flask

#: name -> (``module:attribute`` of the command, its one line of help), in listing order.
TABLE: dict[str, tuple[str, str]] = {
    "db": ("webapp.cli.db:db_cli", "Database schema migrations."),
    "demo": (
        "webapp.cli.operations:demo_command",
        "Load the synthetic demo data and print the demo logins.",
    ),
    "queues": (
        "webapp.cli.operations:queues_command",
        "Queue depths, retries, dead letters and the outbox backlog.",
    ),
    "serve": (
        "webapp.cli.operations:serve_command",
        "Serve the app with the embedded worker (one machine only).",
    ),
    "people": ("webapp.cli.admin:people_cli", "People from a firm's HR data."),
    "users": ("webapp.cli.admin:users_cli", "Staff accounts and their API tokens."),
    "firms": ("webapp.cli.admin:firms_cli", "Firms (tenants)."),
    "aggregates": (
        "webapp.cli.aggregates:aggregates_cli",
        "Check or restore the aggregate cells (derived data).",
    ),
    "calendars": (
        "webapp.cli.calendars:calendars_cli",
        "Calendar connectors: meetings found in CalDAV, ICS, Graph and Google calendars.",
    ),
    "export": (
        "webapp.cli.exports:export_command",
        "Request a research export and save the bundle (a zip).",
    ),
    "surveys": ("webapp.cli.surveys:surveys_cli", "Survey definitions and climate rounds."),
    "plan": (
        "webapp.cli.plans:plan_cli",
        "A programme's evaluation plan (frozen at its first release).",
    ),
    "stats": (
        "webapp.cli.stats:stats",
        "Statistics on a CSV file, with R's conventions (see PRODUCT.md 2.5).",
    ),
    "keys": (
        "webapp.cli.keys:keys_cli",
        "The mixer's key pair and the pseudonym secret (kept outside the DB).",
    ),
    "mix": (
        "webapp.cli.keys:mix_command",
        "Run one mixer pass now: release every batch of at least k people.",
    ),
}
#: Modules that add subcommands to another module's group when imported.
_EXTENDS = {"users": ("webapp.cli.accounts",), "firms": ("webapp.cli.accounts",)}


def command(name: str) -> click.Command:
    """The real command ``name`` (its module imported now)."""
    target, _ = TABLE[name]
    for module in _EXTENDS.get(name, ()):
        importlib.import_module(module)
    module, _, attribute = target.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    assert isinstance(found, click.Command)
    return found


def _cut(line: str, limit: int) -> str:
    """``line`` cut at a word to at most ``limit`` characters, "..." marking the cut."""
    if len(line) <= limit:
        return line
    return line[: max(limit - 3, 1)].rsplit(" ", 1)[0].rstrip(" ,;:") + "..."


def commands() -> list[click.Command]:
    """Every Flipside command, imported (the app factory registers them all)."""
    return [command(name) for name in TABLE]


def _create_app(*_: Any) -> Flask:
    from surveys.settings import SettingsError
    from webapp import create_app
    from webapp.cli.base import fail

    try:
        return create_app()
    except SettingsError as exc:
        fail(f"configuration error: {exc}")


class FlipsideGroup(click.Group):
    """The ``flipside`` group: commands from :data:`TABLE`, imported when used; they find
    the app through a :class:`flask.cli.ScriptInfo` (what ``with_appcontext`` reads),
    built only when a command asks for it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(TABLE)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return command(cmd_name) if cmd_name in TABLE else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # As click's own listing: each line cut to fit beside the longest name.
        limit = formatter.width - 6 - max(len(name) for name in TABLE)
        with formatter.section("Commands"):
            formatter.write_dl([(name, _cut(line, limit)) for name, (_, line) in TABLE.items()])

    def invoke(self, ctx: click.Context) -> Any:
        # A command is about to run (or show its own help): give it the ScriptInfo that
        # Flask's ``with_appcontext`` reads. The group's own help never gets here.
        if ctx.obj is None:
            from flask.cli import ScriptInfo

            ctx.obj = ScriptInfo(
                create_app=_create_app, set_debug_flag=False, load_dotenv_defaults=False
            )
        return super().invoke(ctx)


main = FlipsideGroup(
    "flipside", help="Flipside: surveys and feedback for reverse-mentoring programmes."
)
