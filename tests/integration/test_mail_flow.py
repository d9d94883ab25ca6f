"""From a recorded meeting to invitations in a real SMTP server's inbox, and reminders."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from surveys.db.models import Firm, SurveyInvitation
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.mail import plain_text
from surveys.services.meetings import record_meeting
from tests.support import factories as f
from tests.support.smtp import smtp_server
from workers.actors.invitations import enqueue_due_reminders
from workers.actors.relay import sweep
from workers.broker import broker


def drain() -> None:
    """Relay and run everything until the pipeline is quiet."""
    for _ in range(5):
        sweep(redeliver_after=timedelta(0))
        for queue in list(broker.queues):
            broker.join(queue, timeout=20_000)


def record(db: Database) -> tuple[str, str]:
    with db.transaction() as session:
        pairing = f.pairing(session)
        record_meeting(session, pairing.id, date.today() - timedelta(days=1), "staff")
        return pairing.mentor.email, pairing.mentee.email


def test_a_recorded_meeting_emails_each_participant_a_working_link(
    sqlite_db: Database, pipeline: Callable[..., Any]
) -> None:
    with smtp_server() as (url, inbox):
        pipeline(smtp_url=url)
        mentor_email, mentee_email = record(sqlite_db)
        drain()
        messages = inbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == sorted([mentor_email, mentee_email])
    for message in messages:
        body = plain_text(message)  # the plain-text part of the multipart message
        link = re.search(r"https://flipside\.example\.com/s/([A-Za-z0-9_-]{22})\b", body)
        assert link, body
        assert "anonymous" in body and "/opt-out" in message["List-Unsubscribe"]
        assert "/met/" in body  # either participant can record the next meeting
    with sqlite_db.sessions() as session:
        invitations = session.scalars(select(SurveyInvitation)).all()
        assert all(i.sent_at is not None for i in invitations)
    # Sending is idempotent: another relay round sends nothing more.
    with smtp_server() as (url, inbox):
        pipeline(smtp_url=url)
        drain()
        assert inbox.wait_for(1, seconds=1) == []


def test_without_smtp_each_message_is_written_to_the_mail_folder_and_the_link_logged(
    sqlite_db: Database, pipeline: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    settings = pipeline(smtp_url=None)
    record(sqlite_db)
    with caplog.at_level(logging.INFO, logger="surveys.mail"):
        drain()
    files = sorted(settings.mail_dir.glob("*.eml"))
    assert len(files) == 2
    assert (
        sum(
            "Answer here: https://flipside.example.com/s/" in r.getMessage() for r in caplog.records
        )
        == 2
    )


def test_due_reminders_are_sent_by_smtp_at_most_once_per_interval(
    sqlite_db: Database, pipeline: Callable[..., Any]
) -> None:
    with smtp_server() as (url, inbox):
        pipeline(smtp_url=url)
        record(sqlite_db)
        drain()
        inbox.wait_for(2)
        with sqlite_db.transaction() as session:
            invitations = session.scalars(select(SurveyInvitation)).all()
            for invitation in invitations:
                invitation.sent_at = utcnow() - timedelta(days=4)
            invitations[0].responded = True  # answered: no reminder
        assert enqueue_due_reminders() == 1
        enqueue_due_reminders()  # a second clock tick, or a second clock
        drain()
        messages = inbox.wait_for(3)
        reminders = [m for m in inbox.wait_for(4, seconds=1) if "Reminder" in m["Subject"]]
    assert len(messages) >= 3 and len(reminders) == 1


def test_smtp_receives_a_multipart_message_from_the_firm_with_the_right_headers(
    sqlite_db: Database, pipeline: Callable[..., Any]
) -> None:
    with sqlite_db.transaction() as session:
        firm = f.firm(session, name="Harcourt & Vale", min_group_size=6)
        firm.mail_from = "mentoring@harcourt.example"
        firm.reply_to = "dandi@harcourt.example"
        programme = f.programme(session, firm, name="reverse mentoring")
        pairing = f.pairing(session, programme)
        held_on = date.today() - timedelta(days=1)
        record_meeting(session, pairing.id, held_on, "staff")
    with smtp_server() as (url, inbox):
        pipeline(smtp_url=url)
        drain()
        messages = inbox.wait_for(2)
    assert len(messages) == 2
    for message in messages:
        assert str(message["Subject"]).strip() == (
            f"Harcourt & Vale reverse mentoring: your session on {held_on.day} {held_on:%B}"
        )
        sender = message["From"].addresses[0]
        assert (sender.display_name, sender.addr_spec) == (
            "Harcourt & Vale reverse mentoring",
            "mentoring@harcourt.example",
        )
        assert message["Reply-To"] == "dandi@harcourt.example"
        assert message["Date"] is not None and message["Date"].datetime is not None
        assert message["Message-ID"].endswith("@harcourt.example>")  # the sender's domain
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.get_content_type() == "multipart/alternative"
        html = message.get_body(preferencelist=("html",))
        assert html is not None and "Answer the survey" in html.get_content()
        assert "at least 6 people" in plain_text(message)


def test_an_opt_out_after_issuing_stops_the_mail_and_the_reminders(
    sqlite_db: Database, pipeline: Callable[..., Any]
) -> None:
    from surveys.services.invitations import opt_out
    from surveys.services.invitations.issue import issue_pulse_invitations

    settings = pipeline(smtp_url=None)
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session)
        firm_id = pairing.programme.firm_id
        meeting = f.meeting(session, pairing, held_on=date.today() - timedelta(days=1))
        invitations = issue_pulse_invitations(session, meeting.id, f.SECRET, 14)
        mentee = next(i for i in invitations if i.person_id == pairing.mentee_id)
        opt_out(session, f.token_of(mentee), "firm")  # before the mail actor runs
        # As if the firm-wide opt-out came from another e-mail: this link itself stays open.
        mentee.opted_out = False
        assert session.get(Firm, firm_id) is not None
    drain()
    assert len(list(settings.mail_dir.glob("*.eml"))) == 1
    with sqlite_db.transaction() as session:
        for invitation in session.scalars(select(SurveyInvitation)).all():
            invitation.sent_at = utcnow() - timedelta(days=4)
    assert enqueue_due_reminders() == 1
