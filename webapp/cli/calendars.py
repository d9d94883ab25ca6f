"""``flipside calendars``: a firm's calendar connectors (add, list, sync, dry run)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from surveys.calendars.connectors import add_connector, connectors_of, set_enabled, sync_connector
from surveys.db.models import Firm
from surveys.domain.vocab import CALENDAR_KINDS
from surveys.services.errors import ServiceError
from webapp import current
from webapp.cli.base import fail


@click.group("calendars")
def calendars_cli() -> None:
    """Calendar connectors: meetings found in CalDAV, ICS, Graph and Google calendars."""


def _firm(slug: str) -> int:
    with current.database().sessions() as session:
        firm_id = session.scalar(select(Firm.id).where(Firm.slug == slug))
    if firm_id is None:
        fail(f"there is no firm {slug!r}")
    return firm_id


@calendars_cli.command("add")
@click.option("--firm", "slug", required=True, help="The firm's slug.")
@click.option("--kind", type=click.Choice(CALENDAR_KINDS), required=True)
@click.option("--name", required=True, help="A name for the admin page.")
@click.option("--url", required=True, help="The calendar collection or feed URL.")
@click.option("--username", default=None)
@click.option(
    "--secret-env",
    default=None,
    help="The NAME of the environment variable holding the password (FLIPSIDE_CAL_...).",
)
@click.option("--lookback-days", type=int, default=14, show_default=True)
@with_appcontext
def add_command(
    slug: str,
    kind: str,
    name: str,
    url: str,
    username: str | None,
    secret_env: str | None,
    lookback_days: int,
) -> None:
    """Connect a calendar to the firm."""
    firm_id = _firm(slug)
    try:
        with current.database().transaction() as session:
            row = add_connector(
                session, firm_id, kind=kind, name=name, url=url, username=username,
                secret_env=secret_env, lookback_days=lookback_days,
            )  # fmt: skip
            connector_id = row.id
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"calendar connector {connector_id} added for {slug}")


@calendars_cli.command("list")
@click.option("--firm", "slug", default=None, help="Only this firm's connectors.")
@with_appcontext
def list_command(slug: str | None) -> None:
    """The connectors and their health."""
    firm_id = _firm(slug) if slug else None
    with current.database().sessions() as session:
        for c in connectors_of(session, firm_id):
            last = c.last_success_at.isoformat() if c.last_success_at else "never"
            state = "enabled" if c.enabled else "disabled"
            error = f", failing ({c.failures}x): {c.last_error}" if c.failures else ""
            click.echo(f"{c.id}\t{c.kind}\t{c.name}\t{state}, last success {last}{error}")


@calendars_cli.command("sync")
@click.argument("connector_id", type=int)
@click.option("--dry-run", is_flag=True, help="List what would be recorded; write nothing.")
@with_appcontext
def sync_command(connector_id: int, dry_run: bool) -> None:
    """Read one connector now (or list what a read would record)."""
    try:
        with current.database().transaction() as session:
            report = sync_connector(
                session, connector_id, datetime.now(UTC), os.environ, dry_run=dry_run
            )
    except ServiceError as exc:
        fail(str(exc))
    for o in report.outcomes:
        reason = f" ({o.reason})" if o.reason else ""
        click.echo(f"pairing {o.pairing_id}\t{o.held_on.isoformat()}\t{o.action}{reason}")
    if report.error:
        fail(f"connector {connector_id}: {report.error}", code=1)


@calendars_cli.command("enable")
@click.argument("connector_id", type=int)
@click.option("--off", is_flag=True, help="Disable instead.")
@with_appcontext
def enable_command(connector_id: int, off: bool) -> None:
    """Enable (or with --off disable) a connector."""
    try:
        with current.database().transaction() as session:
            set_enabled(session, connector_id, not off)
    except ServiceError as exc:
        fail(str(exc))
    click.echo(f"calendar connector {connector_id} {'disabled' if off else 'enabled'}")
