"""``flipside export``: request a research export, follow it with a progress bar, save the zip."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from surveys.db.models import ExportRequest, Firm
from surveys.services import exports as svc
from surveys.services.accounts import find_account
from surveys.services.errors import ServiceError
from surveys.services.exports.dp import request_dp_export
from surveys.storage import copy_out
from webapp import current
from webapp.cli.base import fail, settings


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date (YYYY-MM-DD), got {value!r}")


@click.command("export", help="Request a research export and save the bundle (a zip).")
@click.option("--email", required=True, help="The researcher (or admin) account exporting.")
@click.option("--firm", "firms", multiple=True, help="A firm's slug (repeatable).")
@click.option("--programme", type=int, help="One programme's id.")
@click.option("--survey", "surveys", multiple=True, help="A survey key (repeatable).")
@click.option("--from", "date_from", help="Answered on or after (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Answered on or before (YYYY-MM-DD).")
@click.option("--comments", is_flag=True, help="Include masked comments (groups of 10+ only).")
@click.option(
    "--protect",
    "protect",
    multiple=True,
    help="A quasi-identifier to keep first, e.g. role (repeatable, most important first; "
    "or comma-separated).",
)
@click.option("--dp-round", type=int, help="DP aggregates of this survey round instead of rows.")
@click.option("--epsilon", type=float, default=0.5, show_default=True, help="DP privacy loss.")
@click.option("--by", default="role", show_default=True, help="DP cohorts (role, level_band ...).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to save the zip."
)
@with_appcontext
def export_command(
    email: str,
    firms: tuple[str, ...],
    programme: int | None,
    surveys: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    comments: bool,
    protect: tuple[str, ...],
    dp_round: int | None,
    epsilon: float,
    by: str,
    out: Path | None,
) -> None:
    config = settings()
    db = current.database()
    with db.transaction() as session:
        account = find_account(session, email)
        if account is None or not account.active:
            fail(f"there is no active account {email!r}")
        firm_ids = []
        for slug in firms:
            firm_id = session.scalar(select(Firm.id).where(Firm.slug == slug))
            if firm_id is None:
                fail(f"there is no firm {slug!r}")
            firm_ids.append(firm_id)
        wanted = svc.ScopeInput(
            tuple(firm_ids),
            programme,
            surveys,
            _day(date_from, "--from"),
            _day(date_to, "--to"),
        )
        try:
            if dp_round is not None:
                export = request_dp_export(session, account, dp_round, epsilon, by)
            else:
                export = svc.request_export(
                    session,
                    account,
                    wanted,
                    include_comments=comments,
                    protect=[p for given in protect for p in given.split(",")],
                    default_k=config.min_group_size,
                )
        except ServiceError as exc:
            session.rollback()
            fail(str(exc), code=3 if exc.status == 403 else 2)
        export_id, total = export.id, export.rows_total
        event_id = svc.event_of(session, export_id)
    click.echo(f"export {export_id} requested ({total:,} responses in scope)")
    with click.progressbar(length=total, label="Exporting", show_pos=True) as bar:
        seen = 0

        def advance(done: int, _total: int) -> None:
            nonlocal seen
            bar.update(done - seen)
            seen = done

        if config.embedded and event_id is not None:
            # Imported here: the comparison builder (SciPy) stays out of every other command.
            from surveys.longitudinal.vault import pairing_key
            from surveys.reports.exported import dashboard_comparisons

            # No separate worker in embedded mode: this process builds it (claimed once).
            svc.run_export(
                db,
                event_id,
                export_id,
                default_k=config.min_group_size,
                store=config.bundles,
                on_progress=advance,
                expected=dashboard_comparisons,
                pairing_key=pairing_key(config.required_keys),
            )
        while True:
            with db.sessions() as session:
                row = session.get(ExportRequest, export_id)
                assert row is not None
                status, done, message = row.status, row.rows_done, row.message
            advance(done, total)
            if status not in {"queued", "running"}:
                break
            time.sleep(0.5)
    if status != "done":
        fail(f"export {export_id} is {status}: {message or 'see the worker logs'}", code=1)
    with db.transaction() as session:
        account = find_account(session, email)
        assert account is not None
        row, name = svc.bundle_of(session, account, export_id, config.bundles)
        target = copy_out(config.bundles, name, out or Path(f"flipside-export-{export_id}.zip"))
        click.echo(f"saved {target} (sha256 {row.sha256})")
