"""The event pipeline's tables: outbox, processed-event keys and aggregate cells."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db.base import Base
from surveys.db.types import UTCDateTime, utcnow
from surveys.domain.vocab import CELL_KEY


class OutboxEvent(Base):
    """An event written in the same transaction as the change it announces.

    A row is deleted once every consumer of its topic has a receipt, so events
    (some name a response) do not linger next to a creation time.
    """

    __tablename__ = "outbox_events"
    #: Ids are never reused after rows are purged (receipts refer to them).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(60))
    #: ids and plain JSON values only, never objects.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: When a relay last put this row's messages on the queues; NULL = never.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How many times a relay has published this row.
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ProcessedEvent(Base):
    """A consumer's receipt for an event, written in the same transaction as its effect."""

    __tablename__ = "processed_events"

    consumer: Mapped[str] = mapped_column(String(60), primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class AggregateCell(Base):
    """Histogram of one question's answers in one cohort cell and period.

    ``n``/``total``/``total_sq``/``histogram`` are live; the ``released_*``
    columns are the snapshot readers see, advanced only in batches of at least
    k responses (PRODUCT.md 2.3).

    ``released_people`` and ``released_people_apart`` say how many *people*
    (not responses: one mentee's four sessions are one person) the snapshot is
    known to rest on, as lower bounds the mixer keeps from the person tags of
    the batches it counts here before it drops them
    (:mod:`surveys.aggregates.people`); disclosure of pulses goes by them.
    """

    __tablename__ = "aggregate_cells"
    __table_args__ = (
        UniqueConstraint(*CELL_KEY, name="uq_aggregate_cells_key"),
        CheckConstraint("period_kind IN ('week', 'month', 'round')", name="period_kind"),
        CheckConstraint("n >= 0 AND released_n >= 0 AND released_n <= n", name="counts"),
        # How every reader selects: one programme's cells of a survey (and question).
        Index("ix_aggregate_cells_reader", "programme_id", "survey_key", "question_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_key: Mapped[str] = mapped_column(String(60))
    survey_version: Mapped[int] = mapped_column(Integer)
    question_key: Mapped[str] = mapped_column(String(60))
    #: '' for scalar questions; the option key for choice questions.
    item: Mapped[str] = mapped_column(String(60), default="")
    firm_id: Mapped[int] = mapped_column(Integer, index=True)
    programme_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(10))
    level_band: Mapped[str] = mapped_column(String(10))
    tenure_band: Mapped[str] = mapped_column(String(10))
    gender_group: Mapped[str] = mapped_column(String(12))
    #: 'week' (2026-W07), 'month' (2026-02) or 'round' (the round id).
    period_kind: Mapped[str] = mapped_column(String(5))
    period: Mapped[str] = mapped_column(String(20))
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    total_sq: Mapped[int] = mapped_column(BigInteger, default=0)
    # 64-bit: a sum of squares passes 2**31 at about 21 million answers of 10 in one cell.
    #: {"value": count}
    histogram: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    released_n: Mapped[int] = mapped_column(BigInteger, default=0)
    released_total: Mapped[int] = mapped_column(BigInteger, default=0)
    released_total_sq: Mapped[int] = mapped_column(BigInteger, default=0)
    released_histogram: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: At least this many distinct people gave the released answers (0: not known).
    released_people: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: {"value": at least this many people gave a counted answer other than value}: for
    #: a scalar question another value, for an option (value "1") a response without it.
    released_people_apart: Mapped[dict[str, int]] = mapped_column(
        JSON, default=dict, server_default="{}"
    )


class PooledComment(Base):
    """A free-text comment copied, masked, into its cohort-month, released with that batch.

    Comments are not aggregated into cells, yet a page may show them only as the
    released snapshots allow (PRODUCT.md 2.3: at least 10 respondents, batched
    release). So the aggregation consumer copies each comment here when it counts
    its response, in the same transaction, with e-mail addresses and phone
    numbers masked, and :func:`surveys.aggregates.release_group` flips
    ``released`` together with the cells of the same cohort-month. Readers take
    released rows only, never the answers table. The row carries the response's
    coarse cohort and month only: a random id, no response id, no date, no time,
    and no row order on SQLite (WITHOUT ROWID), so it links to nobody.
    """

    __tablename__ = "pooled_comments"
    __table_args__ = ({"sqlite_with_rowid": False},)

    #: Random (version 4): ids carry no order.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    survey_key: Mapped[str] = mapped_column(String(60))
    survey_version: Mapped[int] = mapped_column(Integer)
    question_key: Mapped[str] = mapped_column(String(60))
    firm_id: Mapped[int] = mapped_column(Integer)
    programme_id: Mapped[int] = mapped_column(Integer, index=True)
    role: Mapped[str] = mapped_column(String(10))
    level_band: Mapped[str] = mapped_column(String(10))
    tenure_band: Mapped[str] = mapped_column(String(10))
    gender_group: Mapped[str] = mapped_column(String(12))
    #: The month ("2026-02"): comments are pooled by month only, never by week or day.
    period: Mapped[str] = mapped_column(String(20))
    #: The comment with e-mail addresses and phone numbers masked.
    text: Mapped[str] = mapped_column(Text)
    released: Mapped[bool] = mapped_column(Boolean, default=False)
