"""``flipside surveys``: check the definition files, launch a climate round."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from surveys.definitions import Catalogue, DefinitionError
from surveys.definitions.loader import DEFINITIONS_DIR
from surveys.services.errors import ServiceError
from surveys.services.invitations import launch_round
from webapp import current
from webapp.cli.base import check_database, fail, settings


@click.group("surveys", help="Survey definitions and climate rounds.")
def surveys_cli() -> None:
    pass


@surveys_cli.command("check")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFINITIONS_DIR,
    show_default=False,
    help="Folder of *.toml definitions (default: the shipped ones).",
)
def check(folder: Path) -> None:
    """Load and validate every definition file; name the file, question and field at fault."""
    try:
        found = Catalogue.from_folder(folder).all()
    except DefinitionError as exc:
        fail(str(exc), code=1)
    if not found:
        fail(f"no survey definitions in {folder}", code=1)
    for definition in found:
        click.echo(
            f"ok  {definition.source}: {definition.title} ({len(definition.questions)} questions)"
        )


@surveys_cli.command("launch")
@click.option("--programme", "programme_id", type=int, required=True, help="Programme id.")
@click.option("--label", required=True, help="e.g. baseline, follow-up")
@click.option(
    "--closes",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="Last day to answer (YYYY-MM-DD).",
)
@click.option("--survey", "survey_key", default="climate", show_default=True)
@with_appcontext
def launch(programme_id: int, label: str, closes: datetime, survey_key: str) -> None:
    """Open a climate round and invite everyone in the programme's scope."""
    check_database()
    try:
        with current.database().transaction() as session:
            round_, invited = launch_round(
                session,
                programme_id,
                label,
                closes.date(),
                settings().secret_key,
                survey_key=survey_key,
            )
            round_id = round_.id
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"round {round_id} ({label}) opened: {invited} people invited")
    # The round moved the programme's release version (its survey is now shown by round).
    from surveys.reports.precompute import precompute  # scipy: only when it runs

    precompute(current.database(), [programme_id], default_k=settings().min_group_size)
