"""Which actors consume which outbox topic: the explicit handler table, written out.

The relay publishes one message per consumer of an event's topic; a consumer
records a receipt under its actor name in the same transaction as its effect.
Topics are taken from the event classes only; a unit test holds the table to
:data:`surveys.domain.events.TOPICS` (every topic routed, nothing else).
"""

from __future__ import annotations

from typing import Any

from dramatiq import Actor

from surveys.domain.events import (
    ExportRequested,
    InvitationIssued,
    MeetingRecorded,
    PasswordResetRequested,
    SurveyClosed,
)
from workers.actors import accounts, aggregation, exports, invitations

#: topic -> actors consuming it
ROUTES: dict[str, list[Actor[Any, Any]]] = {
    MeetingRecorded.topic: [invitations.issue_invitations],
    InvitationIssued.topic: [invitations.send_invitation],
    SurveyClosed.topic: [aggregation.finalise_round],
    ExportRequested.topic: [exports.build_export],
    PasswordResetRequested.topic: [accounts.send_password_reset],
}


def consumers_by_topic() -> dict[str, list[str]]:
    return {topic: [a.actor_name for a in actors] for topic, actors in ROUTES.items()}
