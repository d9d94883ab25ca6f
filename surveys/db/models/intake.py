"""The sealed inbox: submissions waiting, encrypted, for the mixer (PRODUCT.md 2.3)."""

from __future__ import annotations

import uuid

from sqlalchemy import LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db.base import Base


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
