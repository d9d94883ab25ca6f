"""Download links: random tokens shown once, stored hashed, bound to the requesting account
and valid until the bundle expires; and the sweep that deletes expired bundles."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Account, ExportRequest
from surveys.db.types import utcnow
from surveys.services.errors import Gone, Invalid, NotFound
from surveys.services.exports.access import audit, exports_folder


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


def _bundle(
    session: Session, account: Account, export: ExportRequest, instance_path: Path
) -> tuple[ExportRequest, Path]:
    """The finished bundle's file (410 when gone), with the download audited."""
    path = exports_folder(instance_path) / (export.file_name or "")
    expired = export.expires_at is None or export.expires_at <= utcnow()
    if export.status != "done" or expired or not export.file_name or not path.is_file():
        raise Gone("this download has expired; request the export again")
    audit(session, "downloaded", account, export, sha256=export.sha256)
    return export, path


def download(
    session: Session, account: Account, token: str, instance_path: Path
) -> tuple[ExportRequest, Path]:
    """The bundle behind a link: 404 for an unknown, used or another account's token, 410 expired.

    A link works once: the download spends it (a new link can be made while the
    export lasts), so a link copied out of a mail or a history is no standing key.
    """
    export = session.scalar(select(ExportRequest).where(ExportRequest.token_hash == _hash(token)))
    if export is None or export.account_id != account.id:
        raise NotFound("there is no such download")
    found = _bundle(session, account, export, instance_path)
    export.token_hash = None
    return found


def bundle_of(
    session: Session, account: Account, export_id: int, instance_path: Path
) -> tuple[ExportRequest, Path]:
    """One-step download: the signed-in requester's own finished bundle, without a link."""
    return _bundle(session, account, visible_export(session, account, export_id), instance_path)


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
