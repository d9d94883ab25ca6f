"""The sealed inbox: submissions waiting, encrypted, for the mixer (PRODUCT.md 2.3)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db.base import Base
from surveys.db.types import UTCDateTime


class SealedSubmission(Base):
    """One submission as the web process wrote it: opaque to everyone but the mixer.

    ``sealed`` is a libsodium sealed box to the mixer's public key (see
    :mod:`surveys.intake.sealing`). ``period`` is a routing key the invitation
    already reveals (the pulse's ISO week, or ``round:<id>``), so the mixer can
    take due periods only (indexed); nothing answered is readable. No timestamp, survey,
    cohort or row order (random id, WITHOUT ROWID on SQLite).
    """

    __tablename__ = "sealed_submissions"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    period: Mapped[str] = mapped_column(String(20), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class MixerPass(Base):
    """When the mixer last completed a pass: one row, overwritten by every pass.

    /healthz reads it to tell a stalled mixer from an idle one, so the answer
    survives a Redis restart. It marks the pass, not any submission: a pass
    releases only batches of at least k people, on the clock's schedule.
    """

    __tablename__ = "mixer_passes"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    #: The end of the last completed pass (UTC).
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
