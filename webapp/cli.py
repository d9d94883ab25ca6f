"""The ``flipside`` command group (a Flask CLI group built on the app factory)."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.exc import OperationalError
from werkzeug.serving import run_simple

from surveys import outbox
from surveys.db import migrate
from surveys.settings import Settings, SettingsError
from webapp import database, keys_cli
from webapp.stats_cli import stats
from webapp.surveys_cli import surveys_cli


def _settings() -> Settings:
    settings: Settings = current_app.config["FLIPSIDE"]
    return settings


def fail(message: str, code: int = 2) -> None:
    click.echo(f"flipside: {message}", err=True)
    sys.exit(code)


def check_database() -> None:
    """Stop with one clear line when the configured database cannot be reached."""
    try:
        database.database().ping()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        fail(f"DATABASE_URL: cannot connect to the database ({reason})", 1)


@click.group("db", help="Database schema migrations.")
def db_cli() -> None:
    pass


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    check_database()
    migrate.upgrade(_settings().database_url, revision)
    click.echo(f"database at revision {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    check_database()
    migrate.downgrade(_settings().database_url, revision)


@db_cli.command("current")
@with_appcontext
def db_current() -> None:
    check_database()
    migrate.current(_settings().database_url)


@click.command("demo", help="Load the synthetic demo data and print the demo logins.")
@with_appcontext
def demo_command() -> None:
    from surveys.services.demo import load_demo

    settings = _settings()
    if not settings.demo:
        fail("the demo data is only loaded with FLIPSIDE_DEMO=1 (it creates known logins)")
    check_database()
    with database.database().transaction() as session:
        logins = load_demo(
            session,
            settings.secret_key,
            keys=settings.required_keys,
            default_k=settings.min_group_size,
        )
    for login in logins:
        firm = f"  ({login.firm})" if login.firm else ""
        click.echo(f"demo login ({login.role}): {login.email} / {login.password}{firm}")


@click.command("queues", help="Queue depths, retries, dead letters and the outbox backlog.")
@with_appcontext
def queues_command() -> None:
    from workers.health import broker_status, queue_stats

    check_database()
    with database.database().sessions() as session:
        backlog = outbox.backlog(session)
    status = broker_status()
    click.echo(f"broker: {status['kind']} ({status['status']})")
    if status["status"] == "ok":
        if _settings().embedded:
            click.echo("(embedded mode: the in-memory queues of this process only)")
        click.echo(f"{'queue':<16}{'ready':>8}{'working':>9}{'delayed':>9}{'dead':>7}")
        for q in queue_stats():
            click.echo(f"{q.name:<16}{q.ready:>8}{q.in_progress:>9}{q.delayed:>9}{q.dead:>7}")
    age = backlog.oldest_unpublished_seconds
    click.echo(
        f"outbox: {backlog.unpublished} unpublished"
        + (f" (oldest {age:.0f}s)" if age is not None else "")
        + f", {backlog.in_flight} in flight, {backlog.stuck} stuck"
        + (" (stuck rows are no longer published: see the worker logs)" if backlog.stuck else "")
    )
    if status["status"] != "ok":
        fail(f"the broker cannot be reached ({status.get('error', 'unknown error')})", 1)


@click.command("serve", help="Serve the app with the embedded worker (one machine only).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    from workers.startup import start_background_work

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    check_database()
    start_background_work(_settings())
    click.echo(f"Flipside is running on http://{host}:{port}/  (Ctrl+C to stop)")
    run_simple(host, port, app, use_reloader=False, threaded=True)


def _create_app(*_: Any) -> Flask:
    from webapp import create_app

    try:
        app = create_app()
    except SettingsError as exc:
        fail(f"configuration error: {exc}", 2)
        raise  # unreachable; keeps type checkers content
    app.cli.add_command(serve_command)
    return app


main = FlaskGroup(create_app=_create_app, add_default_commands=True, load_dotenv=False)
# Statistics on a researcher's own CSV need no app, no database and no SECRET_KEY.
main.add_command(stats)
main.add_command(surveys_cli)
for _command in keys_cli.COMMANDS:  # issue 13: `flipside keys generate`, `flipside mix`
    main.add_command(_command)
