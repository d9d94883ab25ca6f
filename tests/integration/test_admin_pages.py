"""Staff record meetings and launch climate rounds, only within their own firms."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import Enrolment, Meeting, OutboxEvent, SurveyInvitation
from surveys.db.session import Database
from surveys.services.accounts import create_account
from tests.support import factories as f

PASSWORD = "correct horse battery"


def csrf(client: FlaskClient, path: str) -> str:
    match = re.search(
        rb'name="[\w-]*csrf_token" type="hidden" value="([^"]+)"', client.get(path).data
    )
    assert match
    return match.group(1).decode()


def sign_in(client: FlaskClient, email: str) -> None:
    response = client.post(
        "/auth/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf(client, "/auth/login")},
    )
    assert response.status_code == 302


def setup(db: Database, role: str = "lead", own: bool = True) -> tuple[int, int]:
    with db.transaction() as session:
        pairing = f.pairing(session)
        comparison = f.person(session, pairing.programme.firm)
        session.add(
            Enrolment(
                programme_id=pairing.programme_id,
                person_id=comparison.id,
                role="comparison",
                enrolled_on=pairing.started_on,
            )
        )
        firms = [pairing.programme.firm] if own else [f.firm(session)]
        create_account(session, "staff@example.com", PASSWORD, role, firms)
        return pairing.programme_id, pairing.id


def count(db: Database, model: Any) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_lead_records_a_meeting_which_starts_the_pipeline(
    client: FlaskClient, sqlite_db: Database
) -> None:
    programme_id, pairing_id = setup(sqlite_db)
    sign_in(client, "staff@example.com")
    page = f"/admin/programmes/{programme_id}"
    assert client.get(page).status_code == 200
    token = csrf(client, page)
    response = client.post(
        f"{page}/meetings",
        data={
            "meeting-csrf_token": token,
            "meeting-pairing_id": str(pairing_id),
            "meeting-held_on": (date.today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 303
    assert count(sqlite_db, Meeting) == 1
    with sqlite_db.sessions() as session:
        assert session.scalars(select(OutboxEvent.topic)).all() == ["meeting.recorded"]


def test_a_meeting_in_the_future_is_refused_with_a_message(
    client: FlaskClient, sqlite_db: Database
) -> None:
    programme_id, pairing_id = setup(sqlite_db)
    sign_in(client, "staff@example.com")
    page = f"/admin/programmes/{programme_id}"
    response = client.post(
        f"{page}/meetings",
        data={
            "meeting-csrf_token": csrf(client, page),
            "meeting-pairing_id": str(pairing_id),
            "meeting-held_on": (date.today() + timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "before it has happened" in response.get_data(as_text=True)
    assert count(sqlite_db, Meeting) == 0


def test_a_lead_launches_a_climate_round_for_everyone_in_scope(
    client: FlaskClient, sqlite_db: Database
) -> None:
    programme_id, _ = setup(sqlite_db)
    sign_in(client, "staff@example.com")
    page = f"/admin/programmes/{programme_id}"
    response = client.post(
        f"{page}/rounds",
        data={
            "round-csrf_token": csrf(client, page),
            "round-label": "baseline",
            "round-closes_on": (date.today() + timedelta(days=21)).isoformat(),
        },
    )
    assert response.status_code == 303
    assert count(sqlite_db, SurveyInvitation) == 3
    assert "3 people invited" in client.get(page).get_data(as_text=True)


def test_a_lead_of_another_firm_sees_404_and_changes_nothing(
    client: FlaskClient, sqlite_db: Database
) -> None:
    programme_id, pairing_id = setup(sqlite_db, own=False)
    sign_in(client, "staff@example.com")
    page = f"/admin/programmes/{programme_id}"
    assert client.get(page).status_code == 404
    token = csrf(client, "/auth/login")
    response = client.post(
        f"{page}/meetings",
        data={
            "meeting-csrf_token": token,
            "meeting-pairing_id": str(pairing_id),
            "meeting-held_on": date.today().isoformat(),
        },
    )
    assert response.status_code == 404
    assert count(sqlite_db, Meeting) == 0


def test_a_researcher_cannot_manage_programmes(client: FlaskClient, sqlite_db: Database) -> None:
    programme_id, _ = setup(sqlite_db, role="researcher")
    sign_in(client, "staff@example.com")
    assert client.get(f"/admin/programmes/{programme_id}").status_code == 403


def test_a_lead_sets_which_surveys_and_the_reminder_policy_and_bad_values_are_refused(
    client: FlaskClient, sqlite_db: Database
) -> None:
    from surveys.db.models import Programme

    programme_id, _ = setup(sqlite_db)
    sign_in(client, "staff@example.com")
    page = f"/admin/programmes/{programme_id}/edit"
    form = {
        "csrf_token": csrf(client, page),
        "name": "Reverse mentoring",
        "starts_on": "2026-01-05",
        "status": "active",
        "pulse_surveys": "y",
        "max_reminders": "9",
        "reminder_gap_days": "5",
    }
    refused = client.post(page, data=form)
    assert refused.status_code == 422 and "0 to 5 reminders" in refused.get_data(as_text=True)
    saved = client.post(page, data={**form, "max_reminders": "1"})
    assert saved.status_code == 303
    with sqlite_db.sessions() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        assert (programme.pulse_surveys, programme.climate_surveys) == (True, False)
        assert (programme.max_reminders, programme.reminder_gap_days) == (1, 5)
