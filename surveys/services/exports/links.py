"""Download links: random tokens shown once, stored hashed, bound to the requesting account
and valid until the bundle expires; and the sweep that deletes expired bundles."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from surveys.db.models import Account, ExportRequest
from surveys.db.types import utcnow
from surveys.services.errors import Gone, Invalid, NotFound
from surveys.services.exports.access import audit
from surveys.storage import BundleStore


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
    session: Session, account: Account, export: ExportRequest, store: BundleStore
) -> tuple[ExportRequest, str]:
    """The finished bundle's name in ``store`` (410 when gone), with the download audited."""
    name = export.file_name or ""
    expired = export.expires_at is None or export.expires_at <= utcnow()
    if export.status != "done" or expired or not name or not store.exists(name):
        raise Gone("this download has expired; request the export again")
    audit(session, "downloaded", account, export, sha256=export.sha256)
    return export, name


def download(
    session: Session, account: Account, token: str, store: BundleStore
) -> tuple[ExportRequest, str]:
    """The bundle behind a link: 404 for an unknown, used or another account's token, 410 expired.

    A link works once: the download spends it (a new link can be made while the
    export lasts), so a link copied out of a mail or a history is no standing key.
    Spending is one conditional UPDATE, so of any number of simultaneous requests
    with one link exactly one gets the bundle (on PostgreSQL the others wait for
    its row lock, then match nothing).
    """
    spent = session.execute(
        update(ExportRequest)
        .where(ExportRequest.token_hash == _hash(token), ExportRequest.account_id == account.id)
        .values(token_hash=None)
        .returning(ExportRequest.id)
    ).scalar_one_or_none()
    export = None if spent is None else session.get(ExportRequest, spent)
    if export is None:
        raise NotFound("there is no such download")
    return _bundle(session, account, export, store)


def bundle_of(
    session: Session, account: Account, export_id: int, store: BundleStore
) -> tuple[ExportRequest, str]:
    """One-step download: the signed-in requester's own finished bundle, without a link."""
    return _bundle(session, account, visible_export(session, account, export_id), store)


def expire_exports(session: Session, store: BundleStore) -> int:
    """Delete bundles past their expiry; the requests and the audit log stay."""
    due = session.scalars(
        select(ExportRequest).where(
            ExportRequest.status == "done", ExportRequest.expires_at <= utcnow()
        )
    ).all()
    for export in due:
        if export.file_name:
            store.delete(export.file_name)
        export.status, export.token_hash, export.file_name = "expired", None, None
    return len(due)
