"""Opt-outs with scope: this survey, a programme's pulses, a firm's mail; undone; RFC 8058."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Enrolment, MailOptOut, Programme, SurveyInvitation
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.services.accounts import create_account
from surveys.services.invitations import (
    claim_reminder,
    due_reminders,
    is_suppressed,
    issue_pulse_invitations,
    launch_round,
    opt_out,
    opted_out_people,
    undo_opt_out,
)
from tests.integration.test_admin_pages import PASSWORD, sign_in
from tests.support import factories as f


@pytest.fixture
def app(sqlite_db: Database, make_settings: Callable[..., Any]) -> Any:
    from webapp import create_app

    settings = make_settings(database_url=sqlite_db.url, secret_key=f.SECRET)
    return create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)


def met(session: Session, pairing: Any, days_ago: int) -> list[SurveyInvitation]:
    meeting = f.meeting(session, pairing, held_on=date.today() - timedelta(days=days_ago))
    return issue_pulse_invitations(session, meeting.id, f.SECRET, ttl_days=14)


def sent(session: Session, invitations: list[SurveyInvitation]) -> None:
    for invitation in invitations:
        invitation.sent_at = utcnow() - timedelta(days=4)
    session.flush()


def test_the_page_offers_three_scopes_and_a_get_changes_nothing(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        programme = f.programme(session, name="Reverse mentoring")
        pairing = f.pairing(session, programme)
        token = f.token_of(met(session, pairing, 1)[0])
        firm = programme.firm.name
    page = client.get(f"/s/{token}/opt-out")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This survey" in html
    assert "All pulse surveys of Reverse mentoring" in html
    assert f"All Flipside mail from {firm}" in html
    with sqlite_db.sessions() as session:
        assert not any(session.scalars(select(SurveyInvitation.opted_out)))
        assert session.scalars(select(MailOptOut)).all() == []


def test_one_click_per_rfc_8058_stops_the_programmes_pulses_not_the_partners(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session)
        first = {i.person_id: f.token_of(i) for i in met(session, pairing, 20)}
        mentor, mentee = pairing.mentor_id, pairing.mentee_id
    # RFC 8058: a POST whose body is exactly "List-Unsubscribe=One-Click", no cookie, no token.
    done = client.post(
        f"/s/{first[mentee]}/opt-out",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200 and "Set-Cookie" not in done.headers
    again = client.post(f"/s/{first[mentee]}/opt-out", data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200  # a client retrying changes nothing
    assert client.get(f"/s/{first[mentee]}").status_code == 410
    with sqlite_db.transaction() as session:
        rows = session.scalars(select(MailOptOut)).all()
        assert [(r.person_id, r.scope) for r in rows] == [(mentee, "programme")]
        pairing = session.get(type(pairing), pairing.id)
        later = met(session, pairing, 5)
        assert [i.person_id for i in later] == [mentor]


def test_a_programme_opt_out_stops_pulse_reminders_but_not_the_climate_round(
    db: Database,
) -> None:
    with db.transaction() as session:
        pairing = f.pairing(session)
        pulses = met(session, pairing, 10)
        round_, invited = launch_round(
            session, pairing.programme_id, "baseline", date.today() + timedelta(days=20), f.SECRET
        )
        rounds = session.scalars(
            select(SurveyInvitation).where(SurveyInvitation.round_id == round_.id)
        ).all()
        sent(session, [*pulses, *rounds])
        mentee_pulse = next(i for i in pulses if i.person_id == pairing.mentee_id)
        opt_out(session, f.token_of(mentee_pulse), "programme")
        mentee_round = next(i for i in rounds if i.person_id == pairing.mentee_id)
        due = set(due_reminders(session, 2, 3))
        others = {i.id for i in [*pulses, *rounds] if i.person_id != pairing.mentee_id}
        assert due == others | {mentee_round.id}
        assert is_suppressed(session, mentee_pulse.id) is True
        assert is_suppressed(session, mentee_round.id) is False
        # An open pulse of the same programme (issued before) gets no reminder either.
        assert claim_reminder(session, mentee_pulse.id, 2, 3) is None
        assert invited == 2


def test_a_firm_opt_out_stops_rounds_reminders_and_pulses_and_is_undone(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        pairing = f.pairing(session, programme)
        other_programme = f.programme(session, programme.firm)
        session.add(
            Enrolment(
                programme_id=other_programme.id,
                person_id=pairing.mentor_id,
                role="comparison",
                enrolled_on=other_programme.starts_on,
            )
        )
        pulses = met(session, pairing, 10)
        sent(session, pulses)
        mentor_pulse = next(i for i in pulses if i.person_id == pairing.mentor_id)
        opt_out(session, f.token_of(mentor_pulse), "firm")
        assert set(due_reminders(session, 2, 3)) == {
            i.id for i in pulses if i.person_id == pairing.mentee_id
        }
        closes = date.today() + timedelta(days=20)
        _, here = launch_round(session, programme.id, "baseline", closes, f.SECRET)
        _, there = launch_round(session, other_programme.id, "baseline", closes, f.SECRET)
        assert (here, there) == (1, 0)  # the mentor's firm-wide opt-out covers both programmes
        assert [i.person_id for i in met(session, pairing, 3)] == [pairing.mentee_id]
        undo_opt_out(session, f.token_of(mentor_pulse), "firm")
        assert sorted(i.person_id for i in met(session, pairing, 0)) == sorted(
            [pairing.mentor_id, pairing.mentee_id]
        )
        _, follow_up = launch_round(session, other_programme.id, "follow-up", closes, f.SECRET)
        assert follow_up == 1


def test_the_person_undoes_each_scope_from_the_same_page(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session)
        token = f.token_of(met(session, pairing, 1)[0])
    path = f"/s/{token}/opt-out"
    for scope in ("survey", "programme", "firm"):
        assert client.post(path, data={"scope": scope}).status_code == 200
    assert client.get(f"/s/{token}").status_code == 410
    page = client.get(path).get_data(as_text=True)
    assert len(re.findall(r'name="undo" value="(survey|programme|firm)"', page)) == 3
    with sqlite_db.sessions() as session:
        assert len(session.scalars(select(MailOptOut)).all()) == 2
    for scope in ("firm", "programme", "survey"):
        undone = client.post(path, data={"undo": scope})
        assert undone.status_code == 200 and "are on again" in undone.get_data(as_text=True)
    with sqlite_db.sessions() as session:
        assert session.scalars(select(MailOptOut)).all() == []
    assert client.get(f"/s/{token}").status_code == 200  # the link works again
    assert client.post(path, data={"scope": "everything"}).status_code == 422


def test_opt_outs_are_stored_apart_from_answers(sqlite_db: Database) -> None:
    columns = set(MailOptOut.__table__.columns.keys())
    assert columns == {"id", "person_id", "firm_id", "programme_id", "scope"}


def test_the_admin_sees_how_many_opted_out_only_at_k(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        programme = f.programme(session, firm_=f.firm(session, min_group_size=3))
        programme_id = programme.id
        pairings = [f.pairing(session, programme) for _ in range(3)]
        tokens = [f.token_of(met(session, p, 1)[0]) for p in pairings]
        create_account(session, "staff@example.com", PASSWORD, "lead", [programme.firm])
    sign_in(client, "staff@example.com")

    def shown() -> str:
        page = client.get(f"/admin/programmes/{programme_id}").get_data(as_text=True)
        match = re.search(r'<p id="opted-out">(.*?)</p>', page, re.S)
        assert match, page
        return match.group(1)

    with sqlite_db.transaction() as session:
        for token in tokens[:2]:
            opt_out(session, token, "programme")
    assert "suppressed (fewer than 3)" in shown() and ": 2" not in shown()
    with sqlite_db.transaction() as session:
        opt_out(session, tokens[2], "firm")  # the firm's mail: counted for its programmes too
        found = session.get(Programme, programme_id)
        assert found is not None and opted_out_people(session, found) == 3
    assert shown().rstrip().endswith(": 3")
