"""What every ``flipside`` command module shares: one way to fail, the settings, the
database check, and :class:`LazyGroup` (a group imported when it is used).

Apart from the package so that command modules import it without importing the
package that imports them (no loop). Each error reads ``flipside: ...`` on stderr
with the same exit codes.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from functools import cached_property
from typing import NoReturn

import click
from sqlalchemy.exc import OperationalError

from surveys.settings import Settings
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
