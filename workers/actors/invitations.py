"""Invitations: issue them when a meeting is recorded, e-mail them, remind."""

from __future__ import annotations

import logging
from email.message import EmailMessage

import dramatiq

from surveys import outbox
from surveys.db.models import Meeting, SurveyInvitation
from surveys.db.types import utcnow
from surveys.definitions import catalogue
from surveys.mail import invitation_message, mail_for, mailer_for, survey_links
from surveys.services.invitations import (
    claim_reminder,
    due_reminders,
    is_suppressed,
    issue_pulse_invitations,
)
from surveys.services.tokens import met_token, survey_token
from workers import broker as _broker  # noqa: F401  (the broker before any actor)
from workers import runtime

log = logging.getLogger(__name__)


@dramatiq.actor(queue_name="invitations", max_retries=5, time_limit=60_000, min_backoff=1000)
def issue_invitations(event_id: int, meeting_id: int) -> None:
    """One invitation per participant, with the pulse for their role."""
    settings = runtime.settings()
    with runtime.db().transaction() as session:
        if not outbox.claim_receipt(session, "issue_invitations", event_id):
            return
        if session.get(Meeting, meeting_id) is None:
            # Withdrawn before its invitations were issued (a calendar event cancelled).
            log.info("meeting %s was withdrawn; no invitations", meeting_id)
            return
        issue_pulse_invitations(
            session, meeting_id, settings.secret_key, settings.invitation_ttl_days
        )


def _message(invitation: SurveyInvitation, *, reminder: bool) -> EmailMessage:
    settings = runtime.settings()
    definition = catalogue().get(invitation.survey_key, invitation.survey_version)
    met = None
    if invitation.meeting is not None:
        met = met_token(settings.secret_key, invitation.meeting.pairing_id, invitation.person_id)
    links = survey_links(
        settings.base_url, survey_token(settings.secret_key, invitation.token_salt), met
    )
    mail, sender = mail_for(invitation, definition, links, settings, reminder=reminder)
    return invitation_message(mail, sender)


@dramatiq.actor(queue_name="mail", max_retries=8, time_limit=60_000, min_backoff=5000)
def send_invitation(event_id: int, invitation_id: int) -> None:
    """E-mail the invitation once; a redelivery after success sends nothing."""
    db = runtime.db()
    with db.sessions() as session:
        invitation = session.get(SurveyInvitation, invitation_id)
        pending = (
            invitation is not None
            and invitation.sent_at is None
            and not (invitation.responded or invitation.opted_out)
            and not is_suppressed(session, invitation.id)  # a programme or firm opt-out
        )
        message = (
            _message(invitation, reminder=False) if pending and invitation is not None else None
        )
    if message is not None:
        mailer_for(runtime.settings()).send(message)
    with db.transaction() as session:
        if not outbox.claim_receipt(session, "send_invitation", event_id):
            return
        invitation = session.get(SurveyInvitation, invitation_id)
        if invitation is not None and invitation.sent_at is None:
            invitation.sent_at = utcnow()


@dramatiq.actor(queue_name="mail", max_retries=3, time_limit=60_000, min_backoff=5000)
def send_reminder(invitation_id: int) -> None:
    """Send one reminder if it is still due (counted first, so never more than the limit)."""
    settings = runtime.settings()
    db = runtime.db()
    with db.transaction() as session:
        invitation = claim_reminder(
            session, invitation_id, settings.max_reminders, settings.reminder_gap_days
        )
        message = _message(invitation, reminder=True) if invitation is not None else None
    if message is not None:
        mailer_for(settings).send(message)


def enqueue_due_reminders() -> int:
    """The clock's job: one message per invitation whose reminder is due."""
    settings = runtime.settings()
    with runtime.db().sessions() as session:
        due = due_reminders(session, settings.max_reminders, settings.reminder_gap_days)
    for invitation_id in due:
        send_reminder.send(invitation_id)
    return len(due)
