"""``flipside aggregates verify|rebuild``: the aggregate cells against the raw responses."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from surveys import aggregates
from webapp import current
from webapp.cli.base import check_database, fail, settings


@click.group("aggregates", help="Check or restore the aggregate cells (derived data).")
def aggregates_cli() -> None:
    pass


@aggregates_cli.command("verify")
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(min=1),
    help="Print at most this many differences.",
)
@with_appcontext
def verify_command(limit: int) -> None:
    """Recompute every cell from the raw responses; exit 1 if any stored cell differs.

    The people behind each cell cannot be recomputed (the mixer drops the person
    tags they are counted from): they are only checked to be possible.
    """
    check_database()
    with current.database().sessions() as session:
        differences = aggregates.verify(session)
        session.rollback()
    if not differences:
        click.echo(
            "aggregates: every cell matches the raw responses "
            "(people counts cannot be recomputed; each is at most its responses)"
        )
        return
    for difference in differences[:limit]:
        click.echo(str(difference))
    if len(differences) > limit:
        click.echo(f"... and {len(differences) - limit} more")
    fail(
        f"{len(differences)} aggregate cell(s) differ from the raw responses "
        "(`flipside aggregates rebuild` restores them)",
        code=1,
    )


@aggregates_cli.command("rebuild")
@with_appcontext
def rebuild_command() -> None:
    """Restore every cell from the raw responses (released snapshots are kept)."""
    check_database()
    config = settings()
    with current.database().transaction() as session:
        report = aggregates.rebuild(session, default_k=config.min_group_size)
    click.echo(
        f"aggregates rebuilt: {report.cells} cells, {report.removed} removed, "
        f"{report.groups_released} groups released"
    )
    # Every programme's release version moved: decide their reports once, here.
    from surveys.reports.precompute import precompute  # scipy: only when it runs

    stored = precompute(current.database(), None, default_k=config.min_group_size)
    click.echo(f"reports stored for {stored} programme(s)")
