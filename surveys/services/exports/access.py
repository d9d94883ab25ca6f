"""Who may export what, where bundles are kept, and the audit trail every step writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Account, ExportAudit, ExportRequest
from surveys.db.types import utcnow
from surveys.services.errors import ServiceError

EXPORTERS = ("admin", "researcher")


class Forbidden(ServiceError):
    status = 403


def exports_folder(instance_path: Path) -> Path:
    return instance_path / "exports"


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


def audit_log(session: Session, limit: int = 500) -> list[ExportAudit]:
    return list(session.scalars(select(ExportAudit).order_by(ExportAudit.id.desc()).limit(limit)))
