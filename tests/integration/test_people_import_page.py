"""The HR upload page: a lead imports their firm's file or sees every bad row."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import Person
from surveys.db.session import Database
from surveys.services.accounts import create_account
from tests.integration.test_admin_pages import PASSWORD, csrf, sign_in
from tests.integration.test_people_import import GOOD
from tests.support import factories as f


def setup(db: Database, role: str = "lead", own: bool = True) -> int:
    with db.transaction() as session:
        firm = f.firm(session)
        create_account(
            session, "staff@example.com", PASSWORD, role, [firm] if own else [f.firm(session)]
        )
        return firm.id


def upload(client: FlaskClient, firm_id: int, text: str) -> object:
    page = f"/admin/firms/{firm_id}/people/import"
    token = csrf(client, page if client.get(page).status_code == 200 else "/auth/login")
    return client.post(
        page,
        data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "hr.csv")},
        content_type="multipart/form-data",
    )


def people(db: Database) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def test_a_lead_imports_their_firms_people(client: FlaskClient, sqlite_db: Database) -> None:
    firm_id = setup(sqlite_db)
    sign_in(client, "staff@example.com")
    response = upload(client, firm_id, GOOD)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert people(sqlite_db) == 3
    page = client.get(f"/admin/firms/{firm_id}/people/import").get_data(as_text=True)
    assert "3 people added" in page


def test_a_bad_file_shows_every_problem_and_imports_nothing(
    client: FlaskClient, sqlite_db: Database
) -> None:
    firm_id = setup(sqlite_db)
    sign_in(client, "staff@example.com")
    bad = GOOD.replace("Counsel", "Chief").replace("2010-01-04", "04/01/2010")
    response = upload(client, firm_id, bad)
    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Problems found (2); nothing was imported" in html
    assert "unknown level &#39;Chief&#39;" in html
    assert "&#39;04/01/2010&#39; is not a date" in html
    assert people(sqlite_db) == 0


def test_a_lead_of_another_firm_gets_404(client: FlaskClient, sqlite_db: Database) -> None:
    firm_id = setup(sqlite_db, own=False)
    sign_in(client, "staff@example.com")
    assert client.get(f"/admin/firms/{firm_id}/people/import").status_code == 404
    assert upload(client, firm_id, GOOD).status_code == 404  # type: ignore[attr-defined]
    assert people(sqlite_db) == 0


def test_a_researcher_gets_403(client: FlaskClient, sqlite_db: Database) -> None:
    firm_id = setup(sqlite_db, role="researcher")
    sign_in(client, "staff@example.com")
    assert client.get(f"/admin/firms/{firm_id}/people/import").status_code == 403
