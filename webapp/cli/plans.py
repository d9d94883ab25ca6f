"""``flipside plan show|declare``: a programme's evaluation plan as JSON, and declaring one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from surveys.db.models import Programme
from webapp import current
from webapp.cli.base import check_database, fail


@click.group("plan", help="A programme's evaluation plan (frozen at its first release).")
def plan_cli() -> None:
    pass


@plan_cli.command("show")
@click.option("--programme", "programme_id", required=True, type=click.IntRange(min=1))
@with_appcontext
def show_command(programme_id: int) -> None:
    """Print the plan in force, its power and its amendments, as JSON."""
    from surveys.services.plans import plan_state  # noqa: PLC0415 - help stays light
    from webapp.api.plans import plan_json  # noqa: PLC0415

    check_database()
    with current.database().sessions() as session:
        if session.get(Programme, programme_id) is None:
            fail(f"there is no programme {programme_id}")
        click.echo(json.dumps(plan_json(plan_state(session, programme_id)), indent=2))


@plan_cli.command("declare")
@click.option("--programme", "programme_id", required=True, type=click.IntRange(min=1))
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The plan as JSON (as `flipside plan show` prints its items, alpha, correction...).",
)
@click.option("--reason", default="", help="Why, when the plan is already frozen (an amendment).")
@with_appcontext
def declare_command(programme_id: int, path: Path, reason: str) -> None:
    """Declare the plan (before the first release) or amend the frozen one (with --reason)."""
    from surveys.domain.plan import Plan, PlanError  # noqa: PLC0415 - help stays light
    from surveys.services.errors import ServiceError  # noqa: PLC0415
    from surveys.services.plans import declare_plan  # noqa: PLC0415
    from webapp.dashboard.plan_views import allowed  # noqa: PLC0415

    check_database()
    try:
        plan = Plan.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (PlanError, ValueError) as exc:
        fail(f"{path}: {exc}")
    today = datetime.now(UTC).date()
    with current.database().transaction() as session:
        programme = session.get(Programme, programme_id)
        if programme is None:
            fail(f"there is no programme {programme_id}")
        try:
            row = declare_plan(session, programme, plan, today, allowed=allowed(), reason=reason)
        except ServiceError as exc:
            fail(str(exc))
        click.echo(f"plan version {row.version} of programme {programme_id}, {today.isoformat()}")
