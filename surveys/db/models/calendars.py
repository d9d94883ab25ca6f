"""A firm's calendar connectors: where meetings are read from, never what was read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db.base import Base
from surveys.db.types import UTCDateTime, utcnow
from surveys.domain.vocab import CALENDAR_KINDS, sql_in


class CalendarConnector(Base):
    """One calendar source of a firm (CalDAV collection, ICS feed, Graph or Google).

    The credential is never stored: ``secret_env`` names the environment variable
    that holds it. ``last_error`` is Flipside's own message (an HTTP status, a
    timeout), never text from the calendar. ``sync_state`` is the provider's
    opaque cursor (a delta link or sync token), no event data.
    """

    __tablename__ = "calendar_connectors"
    __table_args__ = (
        CheckConstraint(sql_in("kind", CALENDAR_KINDS), name="kind"),
        CheckConstraint("lookback_days BETWEEN 1 AND 90", name="lookback_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    username: Mapped[str | None] = mapped_column(String(254))
    secret_env: Mapped[str | None] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    lookback_days: Mapped[int] = mapped_column(Integer, default=14)
    sync_state: Mapped[str | None] = mapped_column(Text)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    #: No sync before this time (set from a 429's Retry-After).
    retry_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
