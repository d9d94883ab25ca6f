"""Dashboard reports decided once per release and kept for every web process."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db.base import Base


class ReleasedReport(Base):
    """One report of a programme as disclosure control decided it for one release version.

    Written by the worker right after a release commits (surveys/reports/precompute.py),
    or by the first web process that had to compute it; read by every web process
    before computing (surveys/reports/cache.py). ``body`` is JSON text, parsed and
    validated field by field on reading (never unpickled): a row that does not
    parse into the report is computed again, not trusted. Only already-disclosed
    reports are kept; rows of earlier release versions are deleted when a newer one
    is stored, and every row goes with its programme.
    """

    __tablename__ = "released_reports"
    __table_args__ = (
        UniqueConstraint(
            "programme_id", "name", "release_version", "k", "extra", name="uq_released_reports_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    release_version: Mapped[int] = mapped_column(BigInteger)
    k: Mapped[int] = mapped_column(Integer)
    #: The rest of the report's key as JSON text (the programme's creation time, and
    #: e.g. the roles whose pulse is shown).
    extra: Mapped[str] = mapped_column(String(200))
    #: The report as JSON text (the report's ``to_dict``).
    body: Mapped[str] = mapped_column(Text)
