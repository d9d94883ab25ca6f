"""Mail and opt-outs per member firm in a cross-organisation programme.

Alder owns a programme that Birch is a member of. Birch's people get their
invitations and reminders from Birch (its name, sender address, Reply-To and k)
through a real SMTP server, and their "all mail from this firm" opt-out is
recorded against Birch, stops Birch's mail in any programme, and is shown as
Birch's on the opt-out page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from surveys.db.models import MailOptOut, Pairing, Programme, SurveyInvitation
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.mail import plain_text
from surveys.services.invitations import (
    blocked_people,
    invitation_for,
    opt_out,
    opt_out_state,
    opted_out_people,
    undo_opt_out,
)
from surveys.services.invitations.issue import issue_pulse_invitations
from surveys.services.meetings import record_meeting
from surveys.services.members import add_member
from tests.integration.test_mail_flow import drain
from tests.support import factories as f
from tests.support.smtp import smtp_server
from workers.actors.invitations import enqueue_due_reminders


def shared_pairing(session: Any) -> Pairing:
    """Alder's programme with Birch as a member: an Alder mentor, a Birch mentee."""
    alder = f.firm(session, name="Alder LLP", slug="alder", min_group_size=5)
    alder.mail_from, alder.reply_to = "mentoring@alder.example", "dandi@alder.example"
    birch = f.firm(session, name="Birch & Co", slug="birch", min_group_size=4)
    birch.mail_from, birch.reply_to = "mentoring@birch.example", "people@birch.example"
    programme = f.programme(session, alder, name="Across the Bar")
    add_member(session, programme.id, birch.id)
    mentor = f.person(session, alder, email="mentor@alder.example", level="associate")
    mentee = f.person(session, birch, email="mentee@birch.example", level="partner")
    return f.pairing(session, programme, mentor=mentor, mentee=mentee)


def test_each_person_hears_from_their_own_firm_and_so_do_their_reminders(
    sqlite_db: Database, pipeline: Callable[..., Any]
) -> None:
    held_on = date.today() - timedelta(days=1)
    with sqlite_db.transaction() as session:
        pairing = shared_pairing(session)
        record_meeting(session, pairing.id, held_on, "staff")
    with smtp_server() as (url, inbox):
        pipeline(smtp_url=url)
        drain()
        invitations = inbox.wait_for(2)
        with sqlite_db.transaction() as session:
            for invitation in session.scalars(select(SurveyInvitation)):
                invitation.sent_at = utcnow() - timedelta(days=4)
        assert enqueue_due_reminders() == 2
        drain()
        messages = inbox.wait_for(4)
    assert len(invitations) == 2 and len(messages) == 4
    expected = {
        "mentor@alder.example": ("Alder LLP", "mentoring@alder.example", "dandi@alder.example", 5),
        "mentee@birch.example": (
            "Birch & Co",
            "mentoring@birch.example",
            "people@birch.example",
            4,
        ),
    }
    for message in messages:
        firm, address, reply_to, k = expected[str(message["To"])]
        sender = message["From"].addresses[0]
        assert (sender.display_name, sender.addr_spec) == (f"{firm} Across the Bar", address)
        assert message["Reply-To"] == reply_to
        assert f"{firm} Across the Bar: your session" in str(message["Subject"])
        assert f"at least {k} people" in plain_text(message)
    reminders = [m for m in messages if "Reminder" in str(m["Subject"])]
    assert sorted(str(m["To"]) for m in reminders) == sorted(expected)


def test_a_member_persons_firm_opt_out_is_their_own_firms_and_stops_its_mail(
    db: Database,
) -> None:
    held_on = date.today() - timedelta(days=2)
    with db.transaction() as session:
        pairing = shared_pairing(session)
        programme, mentee = pairing.programme, pairing.mentee
        birch_id, alder_id = mentee.firm_id, programme.firm_id
        meeting = f.meeting(session, pairing, held_on=held_on)
        invitations = issue_pulse_invitations(session, meeting.id, f.SECRET, 14)
        token = f.token_of(next(i for i in invitations if i.person_id == mentee.id))
        opt_out(session, token, "firm")
        row = session.scalars(select(MailOptOut)).one()
        assert (row.person_id, row.firm_id, row.scope) == (mentee.id, birch_id, "firm")
        state = opt_out_state(session, invitation_for(session, token))
        assert state.firm_name == "Birch & Co" and "firm" in state.stopped
        # Stopped in the shared programme (owned by Alder) and in Birch's own programme.
        assert blocked_people(session, programme, pulses=False) == {mentee.id}
        birch_own = f.programme(session, mentee.firm, name="Birch Mentoring")
        assert blocked_people(session, birch_own, pulses=True) == {mentee.id}
        assert opted_out_people(session, programme) == 1
        # Alder's own people are not touched by Birch's opt-out.
        assert pairing.mentor_id not in blocked_people(session, programme, pulses=True)
        undo_opt_out(session, token, "firm")
        assert session.scalars(select(MailOptOut)).all() == []
        birch_own_id, programme_id = birch_own.id, programme.id
    with db.transaction() as session:
        programme, birch_own = (
            session.get_one(Programme, programme_id),
            session.get_one(Programme, birch_own_id),
        )
        # A row of old against the owning firm still counts for the owner's programmes.
        session.add(MailOptOut(person_id=mentee.id, firm_id=alder_id, scope="firm"))
        session.flush()
        assert blocked_people(session, programme, pulses=False) == {mentee.id}
        assert blocked_people(session, birch_own, pulses=False) == set()
