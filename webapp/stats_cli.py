"""``flipside stats``: run the comparison engine on a researcher's CSV file.

The commands read one row per observation with the standard library's csv
module and print the engine's result, as JSON with ``--json`` or as a short
table. Bad input — a missing file or column, a non-numeric value, too few
groups, a group below the minimum size — prints one line to stderr and exits
with status 2, never a traceback. The minimum group size comes from
``FLIPSIDE_MIN_GROUP_SIZE`` (default 5, 3 to 10) unless ``--min-group-size``
overrides it for research on one's own data.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from surveys.stats import (
    StatsInputError,
    TestResult,
    brunner_munzel,
    contingency_test,
    kruskal_wallis,
    mann_whitney,
    paired_t,
    survival_comparison,
    welch_t,
    wilcoxon_signed_rank,
)

ENV_MIN_GROUP_SIZE = "FLIPSIDE_MIN_GROUP_SIZE"
DEFAULT_MIN_GROUP_SIZE, MIN_K, MAX_K = 5, 3, 10
ALTERNATIVES = ("two-sided", "less", "greater")


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


def min_group_size_from_env(environ: dict[str, str] | None = None) -> int:
    """The configured k, validated as surveys.settings does (without needing SECRET_KEY)."""
    env = os.environ if environ is None else environ
    raw = env.get(ENV_MIN_GROUP_SIZE, "").strip()
    if not raw:
        return DEFAULT_MIN_GROUP_SIZE
    try:
        value = int(raw)
    except ValueError:
        raise BadInput(f"{ENV_MIN_GROUP_SIZE} must be a whole number, got {raw!r}") from None
    if not MIN_K <= value <= MAX_K:
        raise BadInput(f"{ENV_MIN_GROUP_SIZE} must be between {MIN_K} and {MAX_K}, got {value}")
    return value


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


def emit(result: TestResult, as_json: bool) -> None:
    data = result.to_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False))
        return
    click.echo(render_table(data))


def render_table(data: dict[str, Any]) -> str:
    """A short human-readable table of the main numbers, then the notes."""

    def show(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.6g}"
        if isinstance(value, list):
            return "(" + ", ".join(show(v) for v in value) + ")"
        return str(value)

    effect = data.get("effect_size") or {}
    lines = [
        ("test", data["test"]),
        ("statistic", show(data["statistic"])),
        ("df", show(data["df"])),
        ("p-value", show(data["pvalue"])),
        ("alternative", data["alternative"]),
        ("estimate", show(data["estimate"])),
        ("CI", show(data["ci"])),
        (
            "effect size",
            f"{effect.get('name', '-')} {show(effect.get('value'))} CI {show(effect.get('ci'))}"
            if effect
            else "-",
        ),
        ("n", ", ".join(f"{k}={v}" for k, v in data["n"].items())),
    ]
    width = max(len(k) for k, _ in lines)
    text = [f"{k.ljust(width)}  {v}" for k, v in lines]
    text += ["", data["summary"]] + [f"- {note}" for note in data["notes"]]
    return "\n".join(text)


def common(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options every subcommand shares: --csv, --min-group-size, --json."""
    fn = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(fn)
    fn = click.option(
        "--min-group-size",
        type=click.IntRange(min=2),
        default=None,
        help=f"Override {ENV_MIN_GROUP_SIZE} for research on your own CSV.",
    )(fn)
    return click.option(
        "--csv",
        "csv_path",
        required=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="CSV file with one row per observation.",
    )(fn)


def alternative_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--alternative", type=click.Choice(ALTERNATIVES), default="two-sided", show_default=True
    )(fn)


def k_for(min_group_size: int | None) -> int:
    return min_group_size if min_group_size is not None else min_group_size_from_env()


@click.group(name="stats")
def stats() -> None:
    """Statistics on a CSV file, with R's conventions (see PRODUCT.md 2.5)."""


@stats.command("two-sample", cls=OneLineCommand)
@common
@click.option("--group", required=True, help="Column holding the group label.")
@click.option("--value", required=True, help="Column holding the numeric outcome.")
@click.option("--groups", default=None, help="Two labels, x first (default: sorted labels).")
@click.option(
    "--test", "test", required=True, type=click.Choice(["welch", "mwu", "brunner-munzel"])
)
@alternative_option
def two_sample(
    csv_path: Path,
    group: str,
    value: str,
    groups: str | None,
    test: str,
    alternative: str,
    min_group_size: int | None,
    as_json: bool,
) -> None:
    """Compare two independent groups (x is the first group, as in R)."""
    k = k_for(min_group_size)
    found = grouped(read_columns(csv_path, [group, value]), group, value)
    x, y = two_groups(found, groups, group)
    run = {"welch": welch_t, "mwu": mann_whitney, "brunner-munzel": brunner_munzel}[test]
    emit(
        run(
            found[x],
            found[y],
            labels=(x, y),
            alternative=alternative,
            min_group_size=k,
            outcome=value,
        ),
        as_json,
    )


@stats.command("paired", cls=OneLineCommand)
@common
@click.option("--x", "x_col", required=True, help="Column of the first measurement.")
@click.option("--y", "y_col", required=True, help="Column of the second measurement.")
@click.option("--test", "test", required=True, type=click.Choice(["t", "wilcoxon"]))
@alternative_option
def paired(
    csv_path: Path,
    x_col: str,
    y_col: str,
    test: str,
    alternative: str,
    min_group_size: int | None,
    as_json: bool,
) -> None:
    """Compare paired measurements; differences are x - y, as in R."""
    k = k_for(min_group_size)
    rows = read_columns(csv_path, [x_col, y_col])
    xs = [number(r, x_col, i) for i, r in enumerate(rows, start=2)]
    ys = [number(r, y_col, i) for i, r in enumerate(rows, start=2)]
    run = paired_t if test == "t" else wilcoxon_signed_rank
    emit(run(xs, ys, labels=(x_col, y_col), alternative=alternative, min_group_size=k), as_json)


@stats.command("k-sample", cls=OneLineCommand)
@common
@click.option("--group", required=True, help="Column holding the group label.")
@click.option("--value", required=True, help="Column holding the numeric outcome.")
@click.option("--test", "test", required=True, type=click.Choice(["kruskal"]))
def k_sample(
    csv_path: Path, group: str, value: str, test: str, min_group_size: int | None, as_json: bool
) -> None:
    """Compare two or more groups (Kruskal-Wallis, Holm-adjusted pairwise follow-ups)."""
    k = k_for(min_group_size)
    found = grouped(read_columns(csv_path, [group, value]), group, value)
    if len(found) < 2:
        raise BadInput(f"column {group!r} holds fewer than two groups ({', '.join(found)})")
    emit(kruskal_wallis(found, min_group_size=k, outcome=value), as_json)


@stats.command("table", cls=OneLineCommand)
@common
@click.option("--row", required=True, help="Column whose categories are the groups (rows).")
@click.option("--col", required=True, help="Column whose categories are the outcome.")
@click.option("--test", "test", required=True, type=click.Choice(["chi2", "fisher"]))
@alternative_option
def table(
    csv_path: Path,
    row: str,
    col: str,
    test: str,
    alternative: str,
    min_group_size: int | None,
    as_json: bool,
) -> None:
    """Test independence of two categorical columns (one row per observation).

    chi2 switches to Fisher's exact test by itself when an expected count is under 5.
    """
    k = k_for(min_group_size)
    rows = read_columns(csv_path, [row, col])
    for line, r in enumerate(rows, start=2):
        for column in (row, col):
            if not r[column]:
                raise BadInput(f"line {line}: {column!r} is empty")
    row_labels = sorted({r[row] for r in rows})
    col_labels = sorted({r[col] for r in rows})
    if len(row_labels) < 2:
        raise BadInput(f"column {row!r} holds fewer than two groups")
    if len(col_labels) < 2:
        raise BadInput(f"column {col!r} holds fewer than two categories")
    counts = [[0] * len(col_labels) for _ in row_labels]
    r_index = {g: i for i, g in enumerate(row_labels)}
    c_index = {g: j for j, g in enumerate(col_labels)}
    for r in rows:
        counts[r_index[r[row]]][c_index[r[col]]] += 1
    emit(
        contingency_test(
            counts,
            rows=row_labels,
            cols=col_labels,
            test="auto" if test == "chi2" else "fisher",
            alternative=alternative,
            min_group_size=k,
            outcome=col,
        ),
        as_json,
    )


@stats.command("survival", cls=OneLineCommand)
@common
@click.option("--group", required=True, help="Column holding the group label.")
@click.option("--time", "time_col", required=True, help="Column of follow-up times.")
@click.option("--event", required=True, help="Column: 1 = the outcome happened, 0 = censored.")
def survival(
    csv_path: Path, group: str, time_col: str, event: str, min_group_size: int | None, as_json: bool
) -> None:
    """Kaplan-Meier curves per group and the log-rank test (R's survdiff)."""
    k = k_for(min_group_size)
    rows = read_columns(csv_path, [group, time_col, event])
    data: dict[str, tuple[list[float], list[int]]] = {}
    for line, r in enumerate(rows, start=2):
        if not r[group]:
            raise BadInput(f"line {line}: {group!r} is empty")
        if r[event] not in {"0", "1"}:
            raise BadInput(
                f"line {line}: {event!r} must be 1 (happened) or 0 (censored), got {r[event]!r}"
            )
        times, events = data.setdefault(r[group], ([], []))
        times.append(number(r, time_col, line))
        events.append(int(r[event]))
    if len(data) < 2:
        raise BadInput(f"column {group!r} holds fewer than two groups")
    emit(survival_comparison({g: data[g] for g in sorted(data)}, min_group_size=k), as_json)


if __name__ == "__main__":
    stats(prog_name="flipside stats")
