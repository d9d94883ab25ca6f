"""What was released of a scale's reliability, to judge the next release against."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db.base import Base


class ReliabilityRelease(Base):
    """One released α/ω of a scope: its number of complete responses and a digest of
    the item moments (so the same data may be shown again). No time, no order: the
    rule compares a new release with every earlier one of its scope."""

    __tablename__ = "reliability_releases"

    firm_id: Mapped[int] = mapped_column(
        ForeignKey("firms.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(300), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
