"""Exact people behind released figures, and the sealed sets the mixer keeps to count them.

See :mod:`surveys.aggregates.people_counts` for what the numbers mean and
:mod:`surveys.intake.people_seals` for the sealed sets (PRODUCT.md 2.3, "Show
everything that is safe").
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db.base import Base

#: The key of a figure's people, in the order of its unique constraint.
FIGURE_KEY = (
    "programme_id",
    "survey_key",
    "survey_version",
    "question_key",
    "item",
    "firm_id",
    "attribute",
    "value",
    "period_kind",
    "period",
)


class FigurePeople(Base):
    """How many distinct people stand behind one figure readers may be shown.

    A figure is one firm's answers to one question (``question_key``; ``''``:
    its respondents; ``item``: one option of a choice question) of one survey
    version in one programme, for one value of one cohort attribute
    (``attribute`` in :data:`~surveys.domain.vocab.COHORT`, or ``'*'`` with
    value ``'*'``: everyone), over one period: ``month`` (``2026-02``),
    ``round`` (the round id) or ``programme`` (``''``: programme to date).
    Written by the mixer only (:mod:`surveys.aggregates.people_counts`).
    """

    __tablename__ = "figure_people"
    __table_args__ = (
        UniqueConstraint(*FIGURE_KEY, name="uq_figure_people_key"),
        CheckConstraint("period_kind IN ('month', 'round', 'programme')", name="period_kind"),
        Index("ix_figure_people_reader", "programme_id", "survey_key", "period_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer)
    survey_key: Mapped[str] = mapped_column(String(60))
    survey_version: Mapped[int] = mapped_column(Integer)
    question_key: Mapped[str] = mapped_column(String(60))
    item: Mapped[str] = mapped_column(String(60))
    firm_id: Mapped[int] = mapped_column(Integer)
    attribute: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(20))
    period_kind: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(20))
    #: Distinct people behind the figure.
    people: Mapped[int] = mapped_column(BigInteger)
    #: {"answer": distinct people who gave another answer} (an option: {"1": people
    #: with a response of the group that did not choose it}); {} for respondents.
    apart: Mapped[dict[str, int]] = mapped_column(JSON)
    #: Whether ``people`` and ``apart`` are exact (False: lower bounds).
    exact: Mapped[bool] = mapped_column(default=True)


class PeopleSeal(Base):
    """What the mixer keeps to count one firm's people of a survey version exactly,
    sealed to its own public key and padded to a size bucket
    (:mod:`surveys.intake.people_seals`); opaque without the private key.

    ``period_kind`` 'month' or 'round': the period's stored sessions (programme
    tag, stored cohort, answers; no free text), kept only until the period has
    ended. 'programme' (``period`` ''): every respondent's programme tag and
    stored cohort -- who answered, nothing they answered.
    """

    __tablename__ = "people_seals"
    __table_args__ = (
        UniqueConstraint(
            "programme_id",
            "survey_key",
            "survey_version",
            "firm_id",
            "period_kind",
            "period",
            name="uq_people_seals_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(Integer)
    survey_key: Mapped[str] = mapped_column(String(60))
    survey_version: Mapped[int] = mapped_column(Integer)
    firm_id: Mapped[int] = mapped_column(Integer)
    period_kind: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(20))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
