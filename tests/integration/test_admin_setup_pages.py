"""Administering firms, programmes, enrolments and pairings from the web UI, within firm scope."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import ApiToken, Enrolment, Firm, Pairing, Programme
from surveys.db.session import Database
from surveys.services.accounts import create_account
from surveys.services.api_tokens import hash_api_token
from tests.integration.test_admin_pages import PASSWORD, csrf, sign_in
from tests.support import factories as f


def staff(db: Database, role: str, own: bool = True) -> dict[str, Any]:
    """A firm with a programme and four people (two juniors, two partners); a staff account."""
    with db.transaction() as session:
        firm = f.firm(session)
        programme = f.programme(session, firm)
        for n, level in enumerate(("associate", "associate", "partner", "partner"), start=1):
            f.person(session, firm, internal_id=f"HR{n}", level=level)
        create_account(
            session, "staff@example.com", PASSWORD, role, [firm] if own else [f.firm(session)]
        )
        return {"firm": firm.id, "programme": programme.id}


def count(db: Database, model: Any, *where: Any) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def post(client: FlaskClient, page: str, url: str, data: dict[str, str]) -> Any:
    token = csrf(client, page if client.get(page).status_code == 200 else "/auth/login")
    prefix = next((k.split("-")[0] + "-" for k in data if "-" in k), "")
    return client.post(url, data={f"{prefix}csrf_token": token, **data})


def test_an_admin_creates_a_firm_and_sets_k_within_3_to_10(
    client: FlaskClient, sqlite_db: Database
) -> None:
    staff(sqlite_db, "admin")
    sign_in(client, "staff@example.com")
    made = post(client, "/admin/firms", "/admin/firms", {"name": "New LLP", "slug": "new-llp"})
    assert made.status_code == 303
    with sqlite_db.sessions() as session:
        firm_id = session.scalar(select(Firm.id).where(Firm.slug == "new-llp"))
    page = f"/admin/firms/{firm_id}"
    bad = post(client, page, f"{page}/settings", {"settings-min_group_size": "2"})
    assert bad.status_code == 422 and "from 3 to 10" in bad.get_data(as_text=True)
    good = post(
        client,
        page,
        f"{page}/settings",
        {"settings-min_group_size": "7", "settings-benchmarking_opt_in": "y"},
    )
    assert good.status_code == 303
    with sqlite_db.sessions() as session:
        firm = session.get(Firm, firm_id)
        assert firm is not None and (firm.min_group_size, firm.benchmarking_opt_in) == (7, True)
    taken = post(client, "/admin/firms", "/admin/firms", {"name": "Other", "slug": "new-llp"})
    assert taken.status_code == 409 and "exists already" in taken.get_data(as_text=True)


def test_the_webhook_secret_is_shown_once_on_rotation(
    client: FlaskClient, sqlite_db: Database
) -> None:
    ids = staff(sqlite_db, "admin")
    sign_in(client, "staff@example.com")
    page = f"/admin/firms/{ids['firm']}"
    response = post(client, page, f"{page}/webhook-secret", {})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r"<code>(whsec_[0-9a-f]+)</code>", response.get_data(as_text=True))
    assert secret
    assert secret.group(1) not in client.get(page).get_data(as_text=True)


def test_a_lead_cannot_change_firm_settings_or_secrets(
    client: FlaskClient, sqlite_db: Database
) -> None:
    ids = staff(sqlite_db, "lead")
    sign_in(client, "staff@example.com")
    page = f"/admin/firms/{ids['firm']}"
    assert client.get(page).status_code == 200
    assert (
        post(client, page, f"{page}/settings", {"settings-min_group_size": "9"}).status_code == 403
    )
    assert post(client, page, f"{page}/webhook-secret", {}).status_code == 403
    assert post(client, page, "/admin/firms", {"name": "X", "slug": "xx"}).status_code == 403


def test_a_lead_creates_and_edits_a_programme(client: FlaskClient, sqlite_db: Database) -> None:
    ids = staff(sqlite_db, "lead")
    sign_in(client, "staff@example.com")
    page = f"/admin/firms/{ids['firm']}"
    made = post(
        client,
        page,
        f"{page}/programmes",
        {
            "programme-name": "Board Flip",
            "programme-starts_on": "2026-03-01",
            "programme-status": "pilot",
        },
    )
    assert made.status_code == 303
    with sqlite_db.sessions() as session:
        programme_id = session.scalar(select(Programme.id).where(Programme.name == "Board Flip"))
    edit = f"/admin/programmes/{programme_id}/edit"
    saved = post(
        client,
        edit,
        edit,
        {"name": "Board Flip", "starts_on": "2026-03-02", "status": "active", "longitudinal": "y"},
    )
    assert saved.status_code == 303
    with sqlite_db.sessions() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        assert (programme.status, programme.longitudinal) == ("active", True)
    bad = post(client, edit, edit, {"name": "Board Flip", "starts_on": "", "status": "done"})
    assert bad.status_code == 422


def enrol_all(client: FlaskClient, programme_id: int) -> None:
    page = f"/admin/programmes/{programme_id}/people"
    for internal_id, role in (
        ("HR1", "mentor"),
        ("HR2", "mentor"),
        ("HR3", "mentee"),
        ("HR4", "mentee"),
    ):
        response = post(
            client,
            page,
            f"/admin/programmes/{programme_id}/enrolments",
            {"enrol-internal_id": internal_id, "enrol-role": role},
        )
        assert response.status_code == 303


def pair(client: FlaskClient, programme_id: int, mentor: str, mentee: str) -> Any:
    page = f"/admin/programmes/{programme_id}/people"
    return post(
        client,
        page,
        f"/admin/programmes/{programme_id}/pairings",
        {"pair-mentor": mentor, "pair-mentee": mentee, "pair-starts_on": "2026-03-01"},
    )


def test_a_second_active_pairing_for_one_person_is_a_clear_409(
    client: FlaskClient, sqlite_db: Database
) -> None:
    ids = staff(sqlite_db, "lead")
    sign_in(client, "staff@example.com")
    enrol_all(client, ids["programme"])
    assert pair(client, ids["programme"], "HR1", "HR3").status_code == 303
    again = pair(client, ids["programme"], "HR2", "HR3")
    assert again.status_code == 409
    assert "HR3 already has an active pairing as mentee" in again.get_data(as_text=True)
    wrong_role = pair(client, ids["programme"], "HR3", "HR4")
    assert wrong_role.status_code == 422
    assert "not enrolled as a mentor" in wrong_role.get_data(as_text=True)
    nobody = pair(client, ids["programme"], "HR9", "HR4")
    assert nobody.status_code == 404 and "HR9" in nobody.get_data(as_text=True)
    assert count(sqlite_db, Pairing) == 1


def test_ending_and_re_pairing(client: FlaskClient, sqlite_db: Database) -> None:
    ids = staff(sqlite_db, "lead")
    sign_in(client, "staff@example.com")
    enrol_all(client, ids["programme"])
    pair(client, ids["programme"], "HR1", "HR3")
    with sqlite_db.sessions() as session:
        pairing_id = session.scalar(select(Pairing.id))
    people_page = f"/admin/programmes/{ids['programme']}/people"
    repair = f"/admin/pairings/{pairing_id}/re-pair"
    moved = post(
        client,
        repair,
        repair,
        {"repair-mentor": "HR2", "repair-mentee": "HR3", "repair-starts_on": "2026-06-01"},
    )
    assert moved.status_code == 303
    with sqlite_db.sessions() as session:
        rows = session.execute(select(Pairing.ended_on).order_by(Pairing.id)).all()
        assert [r[0] for r in rows] == [date(2026, 6, 1), None]
        new_id = session.scalar(select(Pairing.id).where(Pairing.ended_on.is_(None)))
    early = post(
        client, people_page, f"/admin/pairings/{new_id}/end", {"end-ends_on": "2026-01-01"}
    )
    assert early.status_code == 422
    ended = post(
        client, people_page, f"/admin/pairings/{new_id}/end", {"end-ends_on": "2026-07-01"}
    )
    assert ended.status_code == 303
    assert count(sqlite_db, Pairing, Pairing.ended_on.is_(None)) == 0


def test_a_lead_of_another_firm_gets_404_everywhere(
    client: FlaskClient, sqlite_db: Database
) -> None:
    ids = staff(sqlite_db, "lead", own=False)
    with sqlite_db.transaction() as session:
        programme = session.get(Programme, ids["programme"])
        assert programme is not None
        pairing = f.pairing(session, programme)
        pairing_id = pairing.id
    sign_in(client, "staff@example.com")
    for url in (
        f"/admin/firms/{ids['firm']}",
        f"/admin/programmes/{ids['programme']}/edit",
        f"/admin/programmes/{ids['programme']}/people",
        f"/admin/pairings/{pairing_id}/re-pair",
    ):
        assert client.get(url).status_code == 404, url
    attempt = post(
        client,
        "/auth/login",
        f"/admin/programmes/{ids['programme']}/enrolments",
        {"enrol-internal_id": "HR1", "enrol-role": "mentor"},
    )
    assert attempt.status_code == 404
    ended = post(
        client, "/auth/login", f"/admin/pairings/{pairing_id}/end", {"end-ends_on": "2026-07-01"}
    )
    assert ended.status_code == 404
    assert count(sqlite_db, Enrolment, Enrolment.role == "mentor") == 1  # the factory's only
    assert count(sqlite_db, Pairing, Pairing.ended_on.is_(None)) == 1


def test_researchers_get_403_on_admin_pages(client: FlaskClient, sqlite_db: Database) -> None:
    ids = staff(sqlite_db, "researcher")
    sign_in(client, "staff@example.com")
    assert client.get("/admin/firms").status_code == 403
    assert client.get(f"/admin/firms/{ids['firm']}").status_code == 403
    assert client.get(f"/admin/programmes/{ids['programme']}/people").status_code == 403


def test_staff_create_an_api_token_shown_once_and_revoke_it(
    client: FlaskClient, sqlite_db: Database
) -> None:
    staff(sqlite_db, "researcher")
    sign_in(client, "staff@example.com")
    created = post(client, "/admin/tokens", "/admin/tokens", {"name": "R scripts"})
    assert created.status_code == 201
    secret = re.search(r"<code>(fls_[\w-]+)</code>", created.get_data(as_text=True))
    assert secret
    assert (
        client.get(
            "/api/v1/programmes", headers={"Authorization": f"Bearer {secret.group(1)}"}
        ).status_code
        == 200
    )
    assert secret.group(1) not in client.get("/admin/tokens").get_data(as_text=True)
    with sqlite_db.sessions() as session:
        token = session.scalars(select(ApiToken)).one()
        assert token.token_hash == hash_api_token(secret.group(1))
    revoked = post(client, "/admin/tokens", f"/admin/tokens/{token.id}/revoke", {})
    assert revoked.status_code == 303
    assert (
        client.get(
            "/api/v1/programmes", headers={"Authorization": f"Bearer {secret.group(1)}"}
        ).status_code
        == 401
    )
