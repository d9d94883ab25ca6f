"""``flipside demo``, ``flipside queues`` and ``flipside serve``: running one installation."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from surveys import outbox
from webapp import current
from webapp.cli.base import check_database, fail, settings


@click.command("demo", help="Load the synthetic demo data and print the demo logins.")
@with_appcontext
def demo_command() -> None:
    from surveys.services.demo import load_demo

    config = settings()
    if not config.demo:
        fail("the demo data is only loaded with FLIPSIDE_DEMO=1 (it creates known logins)")
    check_database()
    with current.database().transaction() as session:
        logins = load_demo(
            session,
            config.secret_key,
            keys=config.required_keys,
            default_k=config.min_group_size,
        )
    for login in logins:
        firm = f"  ({login.firm})" if login.firm else ""
        click.echo(f"demo login ({login.role}): {login.email} / {login.password}{firm}")


@click.command("queues", help="Queue depths, retries, dead letters and the outbox backlog.")
@with_appcontext
def queues_command() -> None:
    from workers.health import broker_status, queue_stats

    check_database()
    with current.database().sessions() as session:
        backlog = outbox.backlog(session)
    status = broker_status()
    click.echo(f"broker: {status['kind']} ({status['status']})")
    if status["status"] == "ok":
        if settings().embedded:
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
        fail(f"the broker cannot be reached ({status.get('error', 'unknown error')})", code=1)


@click.command("serve", help="Serve the app with the embedded worker (one machine only).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    from workers.startup import start_background_work

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    check_database()
    start_background_work(settings())
    click.echo(f"Flipside is running on http://{host}:{port}/  (Ctrl+C to stop)")
    run_simple(host, port, app, use_reloader=False, threaded=True)
