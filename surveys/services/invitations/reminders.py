"""Reminders: which invitations are due one now, and claiming one so it is sent only once.

The policy (how many reminders, how many days apart) is the programme's own
when it has one, else the global settings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from surveys.db.models import Programme, SurveyInvitation
from surveys.db.types import utcnow
from surveys.services.invitations.optouts import suppressed


def _policy(programme: Programme, max_reminders: int, gap_days: int) -> tuple[int, int]:
    """The programme's reminder policy, falling back to the global settings."""
    return (
        max_reminders if programme.max_reminders is None else programme.max_reminders,
        gap_days if programme.reminder_gap_days is None else programme.reminder_gap_days,
    )


def _is_due(
    invitation: SurveyInvitation,
    programme: Programme,
    max_reminders: int,
    gap_days: int,
    now: datetime,
) -> bool:
    limit, gap = _policy(programme, max_reminders, gap_days)
    last = invitation.last_reminded_at or invitation.sent_at
    return (
        invitation.reminders_sent < limit
        and invitation.sent_at is not None
        and last is not None
        and last <= now - timedelta(days=gap)
    )


def due_reminders(
    session: Session, max_reminders: int, gap_days: int, now: datetime | None = None
) -> list[int]:
    """Invitations that should get a reminder now: sent, unanswered, open, not too soon,
    and not stopped by an opt-out (of the survey, the programme's pulses or the firm's mail).

    ``max_reminders``/``gap_days`` are the global settings; a programme's own
    reminder policy takes precedence.
    """
    now = now or utcnow()
    candidates = session.execute(
        select(SurveyInvitation, Programme)
        .join(Programme, Programme.id == SurveyInvitation.programme_id)
        .where(
            SurveyInvitation.sent_at.is_not(None),
            SurveyInvitation.responded.is_(False),
            SurveyInvitation.opted_out.is_(False),
            SurveyInvitation.expires_at > now,
            SurveyInvitation.reminders_sent < 5,
            ~suppressed(),
        )
        .order_by(SurveyInvitation.id)
    ).all()
    return [i.id for i, p in candidates if _is_due(i, p, max_reminders, gap_days, now)]


def claim_reminder(
    session: Session,
    invitation_id: int,
    max_reminders: int,
    gap_days: int,
    now: datetime | None = None,
) -> SurveyInvitation | None:
    """Count a reminder for ``invitation_id`` if one is still due; None if not.

    A conditional UPDATE on the values just read, so two schedulers or a
    redelivered message cannot send the same reminder twice.
    """
    now = now or utcnow()
    row = session.execute(
        select(SurveyInvitation, Programme)
        .join(Programme, Programme.id == SurveyInvitation.programme_id)
        .where(
            SurveyInvitation.id == invitation_id,
            SurveyInvitation.responded.is_(False),
            SurveyInvitation.opted_out.is_(False),
            SurveyInvitation.expires_at > now,
            ~suppressed(),
        )
    ).one_or_none()
    if row is None or not _is_due(row[0], row[1], max_reminders, gap_days, now):
        return None
    invitation = row[0]
    result = session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.id == invitation_id,
            SurveyInvitation.reminders_sent == invitation.reminders_sent,
        )
        .values(reminders_sent=SurveyInvitation.reminders_sent + 1, last_reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return session.get(SurveyInvitation, invitation_id, populate_existing=True)
