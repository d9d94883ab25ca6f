"""Firms, programmes, people and who meets whom."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db.base import Base
from surveys.db.types import UTCDateTime, utcnow
from surveys.domain.vocab import (
    LEVELS,
    MEETING_SOURCES,
    PROGRAMME_STATUSES,
    ROLES,
    WORKING_PATTERNS,
    sql_in,
)


class Firm(Base):
    """A tenant: one law firm (or other organisation) running a programme."""

    __tablename__ = "firms"
    __table_args__ = (
        CheckConstraint(
            "min_group_size IS NULL OR (min_group_size BETWEEN 3 AND 10)", name="min_group_size"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    #: Minimum group size k for this firm's results; NULL means the global setting.
    min_group_size: Mapped[int | None] = mapped_column(Integer)
    #: The firm agrees that its aggregates are pooled into other firms' benchmarks.
    benchmarking_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Random salt of the calendar-webhook secret (secret = HMAC of this under a key
    #: derived from SECRET_KEY), so the database alone cannot sign a webhook. NULL = no webhook.
    webhook_salt: Mapped[str | None] = mapped_column(String(32))
    #: The salt replaced at the last rotation and when: the old secret is still accepted
    #: for FLIPSIDE_WEBHOOK_SECRET_OVERLAP_HOURS after that, so the calendar bridge can move.
    webhook_previous_salt: Mapped[str | None] = mapped_column(String(32))
    webhook_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The address invitations come from; NULL means the deployment's FLIPSIDE_MAIL_FROM.
    mail_from: Mapped[str | None] = mapped_column(String(254))
    #: Where replies to invitations go (e.g. the D&I team); NULL means no Reply-To.
    reply_to: Mapped[str | None] = mapped_column(String(254))
    #: The language of participant pages and mail for people with none in the HR file
    #: (surveys.languages; NULL: English).
    default_language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programmes: Mapped[list[Programme]] = relationship(back_populates="firm")


class Programme(Base):
    __tablename__ = "programmes"
    __table_args__ = (
        UniqueConstraint("firm_id", "name"),
        CheckConstraint(sql_in("status", PROGRAMME_STATUSES), name="status"),
        CheckConstraint(
            "max_reminders IS NULL OR (max_reminders BETWEEN 0 AND 5)", name="max_reminders"
        ),
        CheckConstraint(
            "reminder_gap_days IS NULL OR (reminder_gap_days BETWEEN 1 AND 30)",
            name="reminder_gap_days",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="pilot")
    #: Opt-in: the worker pairs before/after answers (encrypted pairing records, never a
    #: plain pseudonym; surveys/longitudinal/) and releases paired results at k.
    longitudinal: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Which surveys the programme runs: pulses after meetings, climate rounds.
    pulse_surveys: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    climate_surveys: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: Reminder policy; NULL means the global setting (FLIPSIDE_MAX_REMINDERS / _GAP_DAYS).
    max_reminders: Mapped[int | None] = mapped_column(Integer)
    reminder_gap_days: Mapped[int | None] = mapped_column(Integer)
    #: A calendar event is a meeting of a pair only with at most this many other attendees.
    calendar_max_others: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Moves whenever what readers may see of the programme's results changes: a batch
    #: of its aggregate cells released, a rebuild, a survey round opened. Reports derived
    #: from released snapshots are kept under it (surveys/reports/cache.py).
    release_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    firm: Mapped[Firm] = relationship(back_populates="programmes")


class ProgrammeMember(Base):
    """A member organisation of a programme: a firm whose people may be enrolled and paired.

    The owning firm is always a member. Each member keeps its own people and HR data;
    answers are mixed and counted per member (the person's own firm), at its own k.
    """

    __tablename__ = "programme_members"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True
    )
    firm_id: Mapped[int] = mapped_column(
        ForeignKey("firms.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Person(Base):
    """Someone in a firm's HR data: a participant or a member of the comparison group."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("firm_id", "internal_id"),
        UniqueConstraint("firm_id", "email"),
        CheckConstraint(sql_in("level", LEVELS), name="level"),
        CheckConstraint(sql_in("working_pattern", WORKING_PATTERNS), name="working_pattern"),
        CheckConstraint("left_on IS NULL OR left_on >= started_on", name="left_after_start"),
        # The people pages sort by name and filter by these within a firm (10,000 people).
        Index("ix_people_firm_name", "firm_id", "family_name", "given_name", "internal_id"),
        Index("ix_people_firm_level", "firm_id", "level"),
        Index("ix_people_firm_practice_area", "firm_id", "practice_area"),
        Index("ix_people_firm_office", "firm_id", "office"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"), index=True)
    #: The firm's own HR identifier; re-imports update people by it.
    internal_id: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    #: Optional names from the HR file, shown beside the HR id wherever staff pick people.
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    #: The HR id of the person's line manager, and their team (optional): pairing
    #: suggestions never pair a person with their manager or someone in the same team.
    manager_id: Mapped[str | None] = mapped_column(String(100))
    team: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    practice_area: Mapped[str] = mapped_column(String(100))
    office: Mapped[str] = mapped_column(String(100))
    started_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    leave_reason: Mapped[str | None] = mapped_column(String(50))
    working_pattern: Mapped[str] = mapped_column(String(10), default="full-time")
    #: Self-described; NULL when not given, "prefer not to say" kept as given.
    gender: Mapped[str | None] = mapped_column(String(60))
    ethnicity: Mapped[str | None] = mapped_column(String(100))
    #: The language of this person's invitations and survey pages (surveys.languages),
    #: from the HR file's optional ``language`` column. Never copied to an answer.
    language: Mapped[str | None] = mapped_column(String(8))
    #: The person's own firm (in a cross-organisation programme, possibly not the
    #: programme's): whose mail settings and opt-outs apply to them.
    firm: Mapped[Firm] = relationship(viewonly=True)


class Promotion(Base):
    __tablename__ = "promotions"
    __table_args__ = (
        UniqueConstraint("person_id", "promoted_on"),
        CheckConstraint(sql_in("to_level", LEVELS), name="to_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    promoted_on: Mapped[date] = mapped_column(Date)
    to_level: Mapped[str] = mapped_column(String(20))


class Enrolment(Base):
    """A person's role in one programme: mentor, mentee, or comparison group."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("programme_id", "person_id"),
        CheckConstraint(sql_in("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    enrolled_on: Mapped[date] = mapped_column(Date)


class Pairing(Base):
    """A mentor and a mentee who meet; at most one active pairing per person and role."""

    __tablename__ = "pairings"
    __table_args__ = (
        CheckConstraint("mentor_id <> mentee_id", name="distinct_people"),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        Index(
            "uq_pairings_active_mentor",
            "programme_id",
            "mentor_id",
            unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
        Index(
            "uq_pairings_active_mentee",
            "programme_id",
            "mentee_id",
            unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)

    programme: Mapped[Programme] = relationship()
    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Person] = relationship(foreign_keys=[mentee_id])


class Meeting(Base):
    """One mentoring session; recording it is the event that starts everything else."""

    __tablename__ = "meetings"
    __table_args__ = (CheckConstraint(sql_in("source", MEETING_SOURCES), name="source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("pairings.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(12))
    #: Set by integrations (webhook, API) so a meeting delivered twice is recorded once.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pairing: Mapped[Pairing] = relationship()
