"""Longitudinal pairing without a plain pseudonym (PRODUCT.md 2.3).

A stored response carries nothing equal across one person's responses. What
pairs a longitudinal programme's responses is kept in :class:`PairingRecord`
rows the database cannot read, and what is shown of the pairs are
:class:`PairedDifference` aggregates of at least k people, computed by the
worker (surveys/longitudinal/).
"""

from __future__ import annotations

import uuid

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db.base import Base


class PairingRecord(Base):
    """One longitudinal response's pseudonym, encrypted: opaque to everyone but the worker.

    ``sealed`` is a secret box (XSalsa20-Poly1305, a fresh random nonce each) of the
    response id and the person's programme pseudonym under a key derived from the
    workers' private key *and* the pseudonym secret (surveys/longitudinal/vault.py):
    every row has the same length and no two rows are equal, even of one person.
    Written by the mixer in the transaction that stores the response, in random
    order, with a random id; no timestamp, no row order (WITHOUT ROWID on SQLite).
    """

    __tablename__ = "pairing_records"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class PairedRelease(Base):
    """A pair of climate rounds whose paired differences were computed, once.

    Differences are computed at the first mixer pass after both rounds closed and
    never again, so two versions of one figure can never be subtracted to tell
    what a late answer changed.
    """

    __tablename__ = "paired_releases"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True
    )
    survey_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    before_round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    after_round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True
    )


class PairedDifference(Base):
    """Within-person differences (after - before) of one question between two rounds.

    One row per programme x question x round pair x cohort group: ``attribute`` is
    "" for everyone paired, else a cohort column ("role", "level_band",
    "tenure_band", "gender_group") and ``value`` the people's value in the before
    round. Stored only when at least k distinct people are paired in it (and the
    group's complement in its attribute is empty or also >= k); ``histogram`` maps
    a difference ("-2") to how many people changed by it.
    """

    __tablename__ = "paired_differences"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True
    )
    survey_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    question_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    before_round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    after_round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    attribute: Mapped[str] = mapped_column(String(20), primary_key=True, default="")
    value: Mapped[str] = mapped_column(String(20), primary_key=True, default="")
    #: Distinct people paired (each person once).
    people: Mapped[int] = mapped_column(Integer)
    histogram: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
