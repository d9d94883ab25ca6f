"""Research exports: request, build (a worker), link, download, expire; each audited.

A request is checked completely before anything is written (the scope must lie
inside the account's firms, hold responses, name known surveys), then the
request row, its audit row and ``export.requested`` are written in one
transaction. The worker claims the request, builds the bundle and records its
receipt with the result, so a redelivered message builds nothing twice.
Download links are random tokens shown once, stored hashed, bound to the
requesting account and valid until the bundle expires.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.models import Account, ExportAudit, ExportRequest, OutboxEvent, Programme
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.definitions import catalogue
from surveys.domain.events import ExportRequested
from surveys.export.bundle import EmptyExport, build_bundle, count_in_scope
from surveys.export.scope import Scope
from surveys.services.accounts import firm_scope
from surveys.services.errors import Gone, Invalid, NotFound, ServiceError

log = logging.getLogger(__name__)

CONSUMER = "build_export"
EXPORTERS = ("admin", "researcher")
#: How long a finished bundle (and its links) can be downloaded.
EXPORT_TTL = timedelta(days=7)
#: A build claimed longer ago than this is presumed dead and may be claimed again.
STALE_BUILD = timedelta(hours=2)


class Forbidden(ServiceError):
    status = 403


@dataclass(frozen=True)
class ScopeInput:
    """What a requester asked for, before it is checked."""

    firm_ids: tuple[int, ...] = ()
    programme_id: int | None = None
    survey_keys: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None


def exports_folder(instance_path: Path) -> Path:
    return instance_path / "exports"


def _survey_keys() -> tuple[str, ...]:
    return tuple(sorted({d.key for d in catalogue().all()}))


def check_scope(session: Session, account: Account, wanted: ScopeInput) -> Scope:
    """The scope as the export will use it; Forbidden outside the account's firms."""
    if account.role not in EXPORTERS:
        raise Forbidden(f"a {account.role} account cannot request research exports")
    allowed = firm_scope(account)
    firm_ids = set(wanted.firm_ids)
    if wanted.programme_id is not None:
        programme = session.get(Programme, wanted.programme_id)
        if programme is None:
            raise NotFound(f"there is no programme {wanted.programme_id}")
        if allowed is not None and programme.firm_id not in allowed:
            raise Forbidden("that programme belongs to a firm outside your account's firms")
        if firm_ids and firm_ids != {programme.firm_id}:
            raise Invalid("the programme belongs to another firm than the ones chosen")
        firm_ids = {programme.firm_id}
    if not firm_ids:
        if allowed is None:
            raise Invalid("choose at least one firm or a programme")
        firm_ids = set(allowed)
    if allowed is not None and not firm_ids <= allowed:
        raise Forbidden("the scope includes firms outside your account's firms")
    known = _survey_keys()
    keys = tuple(sorted(set(wanted.survey_keys))) or known
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise Invalid(f"unknown survey {unknown[0]!r}; choose from {', '.join(known)}")
    if wanted.date_from and wanted.date_to and wanted.date_from > wanted.date_to:
        raise Invalid("the start date is after the end date")
    return Scope(
        tuple(sorted(firm_ids)), keys, wanted.programme_id, wanted.date_from, wanted.date_to
    )


def audit(
    session: Session, action: str, account: Account, export: ExportRequest, **kw: Any
) -> None:
    session.add(
        ExportAudit(
            export_id=export.id,
            action=action,
            account_id=account.id,
            account_email=account.email,
            at=utcnow(),
            scope=export.scope,
            options=export.options,
            sha256=kw.get("sha256"),
        )
    )


def event_of(session: Session, export_id: int) -> int | None:
    """The outbox event announcing an export, while it is not handled."""
    for event in session.scalars(
        select(OutboxEvent).where(OutboxEvent.topic == ExportRequested.topic)
    ):
        if event.payload.get("export_id") == export_id:
            return event.id
    return None


def request_export(
    session: Session, account: Account, wanted: ScopeInput, *, include_comments: bool = False
) -> ExportRequest:
    """Record a row-level export request and its event (the caller commits)."""
    scope = check_scope(session, account, wanted)
    total = count_in_scope(session, scope)
    if total == 0:
        raise Invalid("No responses match this scope: choose other surveys, dates or firms.")
    export = ExportRequest(
        account_id=account.id,
        kind="rows",
        scope=scope.as_json(),
        options={"include_comments": include_comments},
        status="queued",
        rows_done=0,
        rows_total=total,
    )
    session.add(export)
    session.flush()
    audit(session, "requested", account, export)
    outbox.add_event(session, ExportRequested(export.id))
    return export


def claim_build(session: Session, export_id: int) -> bool:
    """Mark the export running, unless another delivery is building it (or built it)."""
    now = utcnow()
    result = session.execute(
        update(ExportRequest)
        .where(ExportRequest.id == export_id)
        .where(
            or_(
                ExportRequest.status == "queued",
                (ExportRequest.status == "running")
                & (ExportRequest.started_at < now - STALE_BUILD),
            )
        )
        .values(status="running", started_at=now, rows_done=0)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def run_export(
    db: Database,
    event_id: int,
    export_id: int,
    *,
    default_k: int,
    instance_path: Path,
    on_progress: Callable[[int, int], None] | None = None,
) -> str:
    """Build one export (the actor's body); returns the final status."""
    with db.transaction() as session:
        if not claim_build(session, export_id):
            export = session.get(ExportRequest, export_id)
            if export is None or export.status != "running":
                outbox.claim_receipt(session, CONSUMER, event_id)
            return export.status if export is not None else "missing"
        export = session.get(ExportRequest, export_id)
        assert export is not None
        kind, scope, options = export.kind, Scope.from_json(export.scope), dict(export.options)
    if kind == "dp":
        from surveys.services.dp_exports import build_dp_export

        return build_dp_export(db, event_id, export_id, instance_path=instance_path)

    def progress(done: int, total: int) -> None:
        with db.transaction() as session:
            session.execute(
                update(ExportRequest)
                .where(ExportRequest.id == export_id)
                .values(rows_done=done, rows_total=total)
            )
        if on_progress is not None:
            on_progress(done, total)

    status, message, bundle = "failed", None, None
    try:
        bundle = build_bundle(
            db,
            export_id,
            scope,
            include_comments=bool(options.get("include_comments")),
            default_k=default_k,
            folder=exports_folder(instance_path),
            progress=progress,
        )
        status = "done"
    except EmptyExport as exc:
        status, message = "empty", str(exc)
    except Exception:
        log.exception("export %s failed", export_id)
        message = "The export could not be built; request it again or ask an administrator."
    finish(db, event_id, export_id, status, message, bundle)
    return status


def finish(
    db: Database,
    event_id: int,
    export_id: int,
    status: str,
    message: str | None,
    bundle: Any = None,
) -> None:
    """Record the outcome and the event's receipt in one transaction."""
    with db.transaction() as session:
        export = session.get(ExportRequest, export_id)
        if export is None:
            return
        export.status, export.message = status, message
        export.finished_at = utcnow()
        if status == "done":
            export.rows_done = export.rows_total
        if bundle is not None:
            export.file_name, export.sha256 = bundle.file_name, bundle.sha256
            export.expires_at = export.finished_at + EXPORT_TTL
            # The request's audit row gets the hash of what it produced.
            session.execute(
                update(ExportAudit)
                .where(ExportAudit.export_id == export_id, ExportAudit.action == "requested")
                .values(sha256=bundle.sha256)
            )
        outbox.claim_receipt(session, CONSUMER, event_id)


def visible_export(session: Session, account: Account, export_id: int) -> ExportRequest:
    """The account's own export (another account's is "not found", not "forbidden")."""
    export = session.get(ExportRequest, export_id)
    if export is None or export.account_id != account.id:
        raise NotFound(f"there is no export {export_id}")
    return export


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(session: Session, account: Account, export_id: int) -> str:
    """A new download token for a finished export (the previous one stops working)."""
    export = visible_export(session, account, export_id)
    if export.status == "expired" or (
        export.expires_at is not None and export.expires_at <= utcnow()
    ):
        raise Gone("this export has expired; request it again")
    if export.status != "done":
        raise Invalid(f"the export is {export.status}, not ready to download")
    token = secrets.token_urlsafe(24)
    export.token_hash = _hash(token)
    return token


def download(
    session: Session, account: Account, token: str, instance_path: Path
) -> tuple[ExportRequest, Path]:
    """The bundle behind a link: 404 for an unknown or another account's token, 410 expired."""
    export = session.scalar(select(ExportRequest).where(ExportRequest.token_hash == _hash(token)))
    if export is None or export.account_id != account.id:
        raise NotFound("there is no such download")
    path = exports_folder(instance_path) / (export.file_name or "")
    expired = export.expires_at is None or export.expires_at <= utcnow()
    if export.status != "done" or expired or not export.file_name or not path.is_file():
        raise Gone("this download has expired; request the export again")
    audit(session, "downloaded", account, export, sha256=export.sha256)
    return export, path


def expire_exports(session: Session, instance_path: Path) -> int:
    """Delete bundles past their expiry; the requests and the audit log stay."""
    due = session.scalars(
        select(ExportRequest).where(
            ExportRequest.status == "done", ExportRequest.expires_at <= utcnow()
        )
    ).all()
    for export in due:
        if export.file_name:
            (exports_folder(instance_path) / export.file_name).unlink(missing_ok=True)
        export.status, export.token_hash, export.file_name = "expired", None, None
    return len(due)


def audit_log(session: Session, limit: int = 500) -> list[ExportAudit]:
    return list(session.scalars(select(ExportAudit).order_by(ExportAudit.id.desc()).limit(limit)))
