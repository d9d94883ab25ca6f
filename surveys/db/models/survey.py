"""Who was asked (invitations) and what was answered (responses, answers).

The two halves share no key, id, order or precise time (PRODUCT.md 2.3):
a response has a random UUID, the period of its batch (never a date), the
survey version and a coarse (possibly generalised) cohort snapshot; nothing in
it refers to an invitation, a person, a pairing or a meeting.
tests/integration/test_anonymity_schema.py holds that.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db.base import Base
from surveys.db.models.programme import Meeting, Person, Programme
from surveys.db.types import UTCDateTime, utcnow
from surveys.domain.vocab import GENDER_GROUPS, LEVEL_BANDS, ROLES, TENURE_BANDS, sql_in


class SurveyRound(Base):
    """A climate survey round (baseline, follow-up) sent to everyone in a programme's scope."""

    __tablename__ = "survey_rounds"
    __table_args__ = (
        UniqueConstraint("programme_id", "survey_key", "label"),
        CheckConstraint("closes_on >= opened_on", name="closes_after_open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    survey_key: Mapped[str] = mapped_column(String(60))
    survey_version: Mapped[int] = mapped_column(Integer)
    #: e.g. "baseline", "follow-up"
    label: Mapped[str] = mapped_column(String(60))
    opened_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)


class SurveyInvitation(Base):
    """Who was asked: one single-use link for one person and one survey.

    The token itself is never stored, only its SHA-256. It is derived from
    ``token_salt`` (random) and a key derived from SECRET_KEY, so the mail
    actor and reminders can rebuild the link while the database alone cannot.
    There is deliberately no "responded at" time: the flag alone says whether
    to stop reminding.
    """

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("person_id", "meeting_id"),
        UniqueConstraint("person_id", "round_id"),
        CheckConstraint("reminders_sent >= 0", name="reminders_sent"),
        CheckConstraint("(meeting_id IS NULL) <> (round_id IS NULL)", name="meeting_xor_round"),
        CheckConstraint("length(token_hash) = 64", name="token_hash_is_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: 128 random bits (hex); with the server's key they give the link's token.
    token_salt: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    survey_key: Mapped[str] = mapped_column(String(60))
    survey_version: Mapped[int] = mapped_column(Integer)
    #: The session this pulse follows (pulse surveys) ...
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    #: ... or the climate round it belongs to.
    round_id: Mapped[int | None] = mapped_column(ForeignKey("survey_rounds.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)

    meeting: Mapped[Meeting | None] = relationship()
    person: Mapped[Person] = relationship()
    programme: Mapped[Programme] = relationship()
    survey_round: Mapped[SurveyRound | None] = relationship()


#: A cohort column's value where a batch was generalised (merged upward) to reach k.
GENERALISED = "*"


class Response(Base):
    """What was answered: one submitted survey, unlinkable to who submitted it.

    Written only by the mixer (surveys/intake/mixer.py), in batches of at least k
    distinct people per (cohort columns, period): a cohort column holds
    :data:`GENERALISED` where the batch had to be merged upward to reach k.
    """

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(sql_in("role", (*ROLES, GENERALISED)), name="role"),
        # No hidden rowid on SQLite: it would number responses in submission order.
        CheckConstraint(sql_in("level_band", (*LEVEL_BANDS, GENERALISED)), name="level_band"),
        CheckConstraint(sql_in("tenure_band", (*TENURE_BANDS, GENERALISED)), name="tenure_band"),
        CheckConstraint(sql_in("gender_group", (*GENDER_GROUPS, GENERALISED)), name="gender_group"),
        CheckConstraint("period_kind IN ('week', 'month', 'round')", name="period_kind"),
        {"sqlite_with_rowid": False},
    )

    #: Random (version 4), so ids carry no order.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    survey_key: Mapped[str] = mapped_column(String(60))
    survey_version: Mapped[int] = mapped_column(Integer)
    #: 'week' (ISO week "2026-W07"), 'month' ("2026-02", a merged batch) or 'round'
    #: (the round id): the period of the batch that released it, never a date.
    period_kind: Mapped[str] = mapped_column(String(5))
    period: Mapped[str] = mapped_column(String(20))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    #: The climate round answered, if any (a round is a whole cohort, not a person).
    round_id: Mapped[int | None] = mapped_column(ForeignKey("survey_rounds.id", ondelete="CASCADE"))
    # The coarse cohort snapshot, taken at submission.
    role: Mapped[str] = mapped_column(String(10))
    level_band: Mapped[str] = mapped_column(String(10))
    tenure_band: Mapped[str] = mapped_column(String(10))
    gender_group: Mapped[str] = mapped_column(String(12))

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan")


class Answer(Base):
    """One answered question of a response.

    Scalar answers (Likert, 0-10, yes/no as 1/0) fill ``value``; a chosen option
    (single or multiple choice, one row per option) fills ``item``; free text
    fills ``text``. Exactly one of the three is set.
    """

    __tablename__ = "answers"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN value IS NOT NULL THEN 1 ELSE 0 END)"
            " + (CASE WHEN text IS NOT NULL THEN 1 ELSE 0 END)"
            " + (CASE WHEN item <> '' THEN 1 ELSE 0 END) = 1",
            name="exactly_one_value",
        ),
        CheckConstraint("value IS NULL OR value BETWEEN 0 AND 10", name="value_range"),
        {"sqlite_with_rowid": False},
    )

    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    item: Mapped[str] = mapped_column(String(60), primary_key=True, default="")
    value: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
