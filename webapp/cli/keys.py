"""`flipside keys generate` (no app, no database) and `flipside mix` (one mixer pass)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from surveys.intake.keys import generate


@click.group("keys", help="The mixer's key pair and the pseudonym secret (kept outside the DB).")
def keys_cli() -> None:
    pass


@keys_cli.command("generate")
def keys_generate() -> None:
    """Print a new key pair and pseudonym secret as NAME=value lines (for the environment).

    Keep them out of database backups. The private key belongs on worker
    machines only; web processes need the public key and the secret.
    """
    for name, value in generate().items():
        click.echo(f"{name}={value}")


@click.command("mix", help="Run one mixer pass now: release every batch of at least k people.")
@with_appcontext
def mix_command() -> None:
    from surveys.intake.mixing import MixerKeyMissing, mix_now
    from surveys.reports.precompute import precompute
    from webapp import current
    from webapp.cli.base import check_database, fail

    config = current.settings()
    check_database()
    try:
        report = mix_now(current.database(), config.required_keys, default_k=config.min_group_size)
    except MixerKeyMissing as exc:
        fail(str(exc))
        return
    click.echo(
        f"mixed: {report.released} responses released in {report.batches} batches, "
        f"{report.waiting} still sealed (waiting for k people)"
    )
    stored = precompute(current.database(), report.programmes, default_k=config.min_group_size)
    click.echo(f"reports stored for {stored} programme(s)")
