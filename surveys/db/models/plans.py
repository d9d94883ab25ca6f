"""A programme's evaluation plan, one row per version (surveys/services/plans.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db.base import Base


class EvaluationPlan(Base):
    """One version of a programme's evaluation plan (:class:`surveys.domain.plan.Plan`).

    Version 1 is the plan as declared (or the default one, written when the
    first result is released if nobody declared one); it may be changed until
    ``frozen_on`` is set, which happens at the programme's first release. Every
    later version is an amendment, dated and frozen on the day it was made, with
    its reason. Only days are kept, never a time: the day of the first release
    tells when some batch of at least k answers was released, nothing about anyone's.
    """

    __tablename__ = "evaluation_plans"
    __table_args__ = (UniqueConstraint("programme_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    #: The plan as JSON text (Plan.to_dict), parsed and checked on reading.
    body: Mapped[str] = mapped_column(Text)
    declared_on: Mapped[date] = mapped_column(Date)
    frozen_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: "" for version 1; an amendment's reason otherwise.
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Whether version 1 was written from the instruments because nobody declared one.
    is_default: Mapped[bool] = mapped_column(default=False, server_default="false")
