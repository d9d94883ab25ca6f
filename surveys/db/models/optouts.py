"""Mail opt-outs wider than one survey: who asked not to be asked (PRODUCT.md 2.3).

They live on the "who was asked" side, next to invitations and people: a row
names a person and a programme (its pulses) or a whole firm, never a survey,
an answer or a time, so nothing here can be joined to what anyone answered.
Opting out of a single survey stays on the invitation (``opted_out``).
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db.base import Base

#: "programme": no more pulses of that programme; "firm": no Flipside mail from that firm.
OPT_OUT_SCOPES = ("programme", "firm")


class MailOptOut(Base):
    """One person's standing opt-out from a programme's pulses or all of a firm's mail."""

    __tablename__ = "mail_opt_outs"
    __table_args__ = (
        CheckConstraint("scope IN ('programme', 'firm')", name="scope"),
        CheckConstraint(
            "(scope = 'programme') = (programme_id IS NOT NULL)", name="programme_iff_scoped"
        ),
        Index(
            "uq_mail_opt_outs_programme",
            "person_id",
            "programme_id",
            unique=True,
            sqlite_where=text("scope = 'programme'"),
            postgresql_where=text("scope = 'programme'"),
        ),
        Index(
            "uq_mail_opt_outs_firm",
            "person_id",
            "firm_id",
            unique=True,
            sqlite_where=text("scope = 'firm'"),
            postgresql_where=text("scope = 'firm'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(10))
