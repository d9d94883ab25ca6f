"""Reading a researcher's CSV for ``flipside stats``, and the one way its input is refused.

Every problem with the input (a missing file or column, a non-numeric value,
too few groups, a usage error) is a :class:`BadInput`: click prints it as one
``Error: ...`` line on stderr and exits with status 2, never a traceback. The
app's commands use :func:`webapp.cli.base.fail` instead; ``stats`` keeps click's own
error line because it runs without the app and prints what click prints.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from surveys.stats import StatsInputError


class BadInput(click.ClickException):
    """One line on stderr and exit status 2."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class OneLineCommand(click.Command):
    """A command whose usage and input errors are one line with exit status 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise BadInput(exc.format_message()) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StatsInputError as exc:
            raise BadInput(str(exc)) from None
        except click.ClickException:
            raise
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise BadInput(f"cannot read the CSV file: {exc}") from None


def read_columns(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    """Rows of ``path`` restricted to ``columns``; one clear error for any problem."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise BadInput(f"{path} is empty")
        missing = [c for c in columns if c not in reader.fieldnames]
        if missing:
            raise BadInput(
                f"column {missing[0]!r} not found in {path} "
                f"(columns: {', '.join(reader.fieldnames)})"
            )
        rows = [{c: (row.get(c) or "").strip() for c in columns} for row in reader]
    if not rows:
        raise BadInput(f"{path} has no data rows")
    return rows


def number(row: dict[str, str], column: str, line: int) -> float:
    text = row[column]
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadInput(f"line {line}: {column!r} value {text!r} is not a number")
    return value


def grouped(rows: list[dict[str, str]], group: str, value: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for line, row in enumerate(rows, start=2):
        if not row[group]:
            raise BadInput(f"line {line}: {group!r} is empty")
        out.setdefault(row[group], []).append(number(row, value, line))
    return {g: out[g] for g in sorted(out)}


def two_groups(found: dict[str, list[float]], chosen: str | None, column: str) -> tuple[str, str]:
    if chosen:
        labels = [g.strip() for g in chosen.split(",")]
        if len(labels) != 2:
            raise BadInput(f"--groups needs two labels separated by a comma, got {chosen!r}")
        for g in labels:
            if g not in found:
                raise BadInput(
                    f"group {g!r} not found in column {column!r} (groups: {', '.join(found)})"
                )
        return labels[0], labels[1]
    if len(found) < 2:
        raise BadInput(f"column {column!r} holds fewer than two groups ({', '.join(found)})")
    if len(found) > 2:
        raise BadInput(
            f"column {column!r} holds {len(found)} groups ({', '.join(found)}); "
            "choose two with --groups A,B"
        )
    first, second = found
    return first, second
