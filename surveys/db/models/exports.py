"""Research exports: the requests, their audit trail and the privacy budget ledger.

Nothing here refers to a response: an export request holds a scope (firms,
programme, surveys, dates) and the bundle's file name and hash. The audit rows
carry no foreign keys, so they outlive the export (and its account) they
describe (PRODUCT.md 2.7: every export is audited).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db.base import Base
from surveys.db.types import UTCDateTime, utcnow
from surveys.domain.vocab import sql_in

EXPORT_KINDS = ("rows", "dp")
EXPORT_STATUSES = ("queued", "running", "done", "empty", "failed", "expired")
AUDIT_ACTIONS = ("requested", "downloaded")


class ExportRequest(Base):
    """One requested bundle: its scope, progress, and (once built) its file and link."""

    __tablename__ = "export_requests"
    __table_args__ = (
        CheckConstraint(sql_in("kind", EXPORT_KINDS), name="kind"),
        CheckConstraint(sql_in("status", EXPORT_STATUSES), name="status"),
        CheckConstraint("rows_done >= 0 AND rows_total >= 0", name="progress"),
        CheckConstraint("token_hash IS NULL OR length(token_hash) = 64", name="token_is_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    #: "rows" (row-level bundle) or "dp" (differentially private aggregates).
    kind: Mapped[str] = mapped_column(String(8))
    #: {"firm_ids": [...], "programme_id", "survey_keys": [...], "date_from", "date_to", ...}
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: {"include_comments": bool} or {"epsilon": float, "round_id": int, "by": str}
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    rows_done: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_total: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Why a build failed or came out empty, phrased for the requester.
    message: Mapped[str | None] = mapped_column(Text)
    #: The zip's name under the instance's exports folder.
    file_name: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of the download token (the token is shown once, to the requester).
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a worker claimed the build (a build running far longer is presumed dead).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExportAudit(Base):
    """Who requested or downloaded which export, when, with what scope and file hash.

    No foreign keys on purpose: the row stays when the export expires or the
    account is removed. It names no respondent.
    """

    __tablename__ = "export_audit"
    __table_args__ = (CheckConstraint(sql_in("action", AUDIT_ACTIONS), name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    export_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(12))
    account_id: Mapped[int] = mapped_column(Integer)
    account_email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str | None] = mapped_column(String(64))


class PrivacyBudget(Base):
    """The differential-privacy budget (total epsilon) of one dataset, and how much is spent.

    Spending is one conditional UPDATE (``spent + e <= total``), so two
    concurrent requests cannot overspend it.
    """

    __tablename__ = "privacy_budgets"
    __table_args__ = (
        CheckConstraint("total_epsilon > 0", name="total_positive"),
        CheckConstraint("spent_epsilon >= 0", name="spent_not_negative"),
        CheckConstraint("spent_epsilon <= total_epsilon + 1e-9", name="not_overspent"),
    )

    #: e.g. "round:12" (a closed climate round).
    dataset: Mapped[str] = mapped_column(String(60), primary_key=True)
    total_epsilon: Mapped[float] = mapped_column(Float)
    spent_epsilon: Mapped[float] = mapped_column(Float, default=0.0)


class PrivacySpend(Base):
    """One entry of the ledger: an export spent ``epsilon`` of a dataset's budget."""

    __tablename__ = "privacy_spends"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(
        ForeignKey("privacy_budgets.dataset", ondelete="CASCADE"), index=True
    )
    export_id: Mapped[int] = mapped_column(Integer)
    epsilon: Mapped[float] = mapped_column(Float)
    spent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExportRelease(Base):
    """One generation of a programme's release lineage (surveys/export/releases.py).

    The first export of a programme (per member firm) makes the generalisation /
    suppression plan over every survey and stored period present then and stores
    it here; a later export that finds stored periods no generation covers stores
    the next generation for them. ``periods`` lists the stored periods
    ("week:2026-W07", "month:2026-02", "round:12") a generation covers; every export
    applies each generation's plan to the rows of its periods. Nothing here refers
    to a response.
    """

    __tablename__ = "export_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the lineage (firm, programme) and the generation's number.
    scope_key: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    k: Mapped[int] = mapped_column(Integer)
    periods: Mapped[list[str]] = mapped_column(JSON)
    #: How many responses the release was made from.
    rows: Mapped[int] = mapped_column(BigInteger)
    #: :meth:`surveys.disclosure.RowPlan.to_json`
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
