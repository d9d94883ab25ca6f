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

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from surveys.settings import MIN_GROUP_SIZE, SettingsError
from surveys.settings import min_group_size as configured_min_group_size
from surveys.stats import (
    ALTERNATIVES,
    brunner_munzel,
    contingency_test,
    kruskal_wallis,
    mann_whitney,
    paired_t,
    survival_comparison,
    welch_t,
    wilcoxon_signed_rank,
)
from webapp.cli.stats.printing import emit
from webapp.cli.stats.reading import (
    BadInput,
    OneLineCommand,
    grouped,
    number,
    read_columns,
    two_groups,
)


def common(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options every subcommand shares: --csv, --min-group-size, --json."""
    fn = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(fn)
    fn = click.option(
        "--min-group-size",
        type=click.IntRange(min=2),
        default=None,
        help=f"Override {MIN_GROUP_SIZE} for research on your own CSV.",
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


def k_for(override: int | None) -> int:
    """``--min-group-size``, else the configured k, read and checked as the app reads it.

    Only that one variable is read, so ``stats`` runs with no other configuration.
    """
    if override is not None:
        return override
    try:
        return configured_min_group_size(os.environ)
    except SettingsError as exc:
        raise BadInput(str(exc)) from None


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
