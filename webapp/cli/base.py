"""What every ``flipside`` command module shares: one way to fail, the settings and the
database check.

Apart from the package so that command modules import it without importing the
package that imports them (no loop). Each error reads ``flipside: ...`` on stderr
with the same exit codes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
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
