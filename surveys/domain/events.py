"""Events: small frozen facts that other parts of the system react to.

Each carries ids and plain values only, so it serialises to the JSON payload
of an outbox row and, from there, to the keyword arguments of an actor.
A survey submission writes no event: nothing acts on one submission (the
mixer's scheduled pass opens the sealed inbox), and an outbox row per
submission would leave a timestamp beside it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    topic: ClassVar[str]

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class MeetingRecorded(Event):
    topic: ClassVar[str] = "meeting.recorded"
    meeting_id: int


@dataclass(frozen=True)
class InvitationIssued(Event):
    topic: ClassVar[str] = "invitation.issued"
    invitation_id: int


@dataclass(frozen=True)
class SurveyClosed(Event):
    topic: ClassVar[str] = "survey.closed"
    round_id: int


@dataclass(frozen=True)
class ExportRequested(Event):
    topic: ClassVar[str] = "export.requested"
    export_id: int


@dataclass(frozen=True)
class PasswordResetRequested(Event):
    """Someone asked for a reset link for this address (which may have no account)."""

    topic: ClassVar[str] = "password.reset_requested"
    email: str


TOPICS: dict[str, type[Event]] = {
    cls.topic: cls
    for cls in (
        MeetingRecorded,
        InvitationIssued,
        SurveyClosed,
        ExportRequested,
        PasswordResetRequested,
    )
}
