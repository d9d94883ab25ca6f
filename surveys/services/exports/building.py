"""Building an export (the worker's part): claim it, build the bundle, record the outcome.

The claim is a conditional UPDATE and the outcome is written with the event's
receipt in one transaction, so a redelivered message builds nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.models import ExportAudit, ExportRequest
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.export.analysis import Expected
from surveys.export.bundle import EmptyExport, build_bundle
from surveys.export.priorities import PrioritiesDiffer
from surveys.export.scope import Scope
from surveys.storage import BundleStore

log = logging.getLogger(__name__)

CONSUMER = "build_export"
#: How long a finished bundle (and its links) can be downloaded.
EXPORT_TTL = timedelta(days=7)
#: A build claimed longer ago than this is presumed dead and may be claimed again.
STALE_BUILD = timedelta(hours=2)


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
    store: BundleStore,
    on_progress: Callable[[int, int], None] | None = None,
    expected: Expected | None,
    pairing_key: bytes | None = None,
) -> str:
    """Build one export (the actor's body); returns the final status.

    ``expected`` computes what the dashboard showed for the scope, for the bundle's
    analysis scripts to check (the worker and the CLI pass
    ``surveys.reports.exported.dashboard_comparisons``; services never import reports).
    It has no default, so no caller can forget it: None (a DP export, a test that
    does not look at the analysis) leaves the list empty and the bundle's
    ``analysis/README.txt`` says why. ``pairing_key`` (the worker's,
    surveys/longitudinal/vault.py) gives longitudinal rows per-export pseudonyms.
    """
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
        # Imported here: the DP build itself records its outcome with finish() above.
        from surveys.services.exports.dp import build_dp_export

        return build_dp_export(db, event_id, export_id, store=store)

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
            folder=store.workdir,
            progress=progress,
            protect=tuple(options.get("protect") or ()),
            expected=expected,
            pairing_key=pairing_key,
        )
        store.put(bundle.file_name)
        status = "done"
    except EmptyExport as exc:
        status, message = "empty", str(exc)
    except PrioritiesDiffer as exc:
        status, message = "failed", str(exc)
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
