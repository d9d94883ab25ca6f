"""Issue 17: people you can find, bulk enrolment, pairing suggestions and safe admin actions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from io import BytesIO
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event, insert, select

from surveys.db.models import Enrolment, Pairing, Person, Programme, SurveyRound
from surveys.db.session import Database
from surveys.services.accounts import create_account
from tests.integration.test_admin_pages import PASSWORD, csrf, sign_in
from tests.integration.test_admin_setup_pages import count, post
from tests.support import factories as f

LEVELS = ("trainee", "associate", "senior associate", "counsel", "partner")


def world(db: Database, people: int = 12) -> dict[str, int]:
    """A firm with named people (half juniors, half partners), a programme and a lead."""
    with db.transaction() as session:
        firm = f.firm(session)
        programme = f.programme(session, firm)
        rows = [
            {
                "firm_id": firm.id,
                "internal_id": f"HV{n:05d}",
                "email": f"person{n}@example.com",
                "given_name": f"Given{n}",
                "family_name": f"Family{n:05d}",
                "level": LEVELS[n % len(LEVELS)],
                "practice_area": ("Tax", "Corporate", "Litigation")[n % 3],
                "office": ("London", "Leeds")[n % 2],
                "started_on": date(2020, 1, 1),
                "working_pattern": "full-time",
            }
            for n in range(people)
        ]
        if rows:
            session.execute(insert(Person), rows)
        create_account(session, "lead@example.com", PASSWORD, "lead", [firm])
        return {"firm": firm.id, "programme": programme.id}


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count_one(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count_one)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count_one)


def test_ten_thousand_people_are_searched_a_page_at_a_time_in_few_queries(
    client: FlaskClient, sqlite_db: Database
) -> None:
    ids = world(sqlite_db, 10_000)
    sign_in(client, "lead@example.com")
    page = f"/admin/firms/{ids['firm']}/people"
    with counting(sqlite_db) as statements:
        response = client.get(page)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "10000 people found" in body and "Page 1 of 200" in body
    people_queries = [s for s in statements if "FROM people" in s]
    assert len(statements) <= 10 and len(people_queries) <= 3, statements
    found = client.get(page, query_string={"q": "family00042"}).get_data(as_text=True)
    assert "1 person found" in found and "Given42 Family00042" in found
    assert "person42@example.com" in found and "HV00042" in found
    by_mail = client.get(page, query_string={"q": "person4217@"}).get_data(as_text=True)
    assert "HV04217" in by_mail
    filtered = client.get(
        page, query_string={"level": "partner", "office": "Leeds", "practice_area": "Tax"}
    ).get_data(as_text=True)
    # n % 5 == 4, n % 2 == 1, n % 3 == 0: n = 9 (mod 30), 334 of 10,000.
    assert "334 people found" in filtered
    last = client.get(page, query_string={"page": "200"}).get_data(as_text=True)
    assert "Page 200 of 200" in last and "Previous page" in last


def test_ticked_people_are_enrolled_and_the_enrolment_filter_finds_them(
    client: FlaskClient, sqlite_db: Database
) -> None:
    ids = world(sqlite_db)
    sign_in(client, "lead@example.com")
    with sqlite_db.sessions() as session:
        chosen = session.scalars(select(Person.id).order_by(Person.id).limit(3)).all()
    page = f"/admin/firms/{ids['firm']}/people"
    token = csrf(client, page)
    response = client.post(
        f"{page}/enrol",
        data={
            "selected-csrf_token": token,
            "selected-programme_id": str(ids["programme"]),
            "selected-role": "mentee",
            "person": [str(p) for p in chosen],
        },
    )
    assert response.status_code == 303
    assert count(sqlite_db, Enrolment, Enrolment.role == "mentee") == 3
    listed = client.get(
        page, query_string={"programme": ids["programme"], "enrolment": "mentee"}
    ).get_data(as_text=True)
    assert "3 people found" in listed
    enrolled = client.get(f"/admin/programmes/{ids['programme']}/people").get_data(as_text=True)
    assert "3 people found" in enrolled and "Given0 Family00000" in enrolled


def test_bulk_enrolment_is_all_or_nothing_with_a_row_report(
    client: FlaskClient, sqlite_db: Database, app: Any, tmp_path: Any
) -> None:
    ids = world(sqlite_db)
    sign_in(client, "lead@example.com")
    page = f"/admin/programmes/{ids['programme']}/enrolments/import"

    def upload(text: str) -> Any:
        return client.post(
            page,
            data={"csrf_token": csrf(client, page), "file": (BytesIO(text.encode()), "e.csv")},
            content_type="multipart/form-data",
        )

    bad = upload("internal_id,role\nHV00001,mentor\nNOPE,mentor\nHV00001,mentee\nHV00002,boss\n")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "nobody was enrolled" in text
    assert "NOPE" in text and "duplicate of row 2" in text and "must be one of" in text
    assert count(sqlite_db, Enrolment) == 0
    good = upload("internal_id,role\nHV00001,mentor\nHV00004,mentee\nHV00002,comparison\n")
    assert good.status_code == 303
    assert count(sqlite_db, Enrolment) == 3
    csv_file = tmp_path / "more.csv"
    csv_file.write_text("internal_id,role\nHV00005,mentor\nHV00001,mentor\n")
    result = app.test_cli_runner().invoke(
        args=["people", "enrol", "--programme", str(ids["programme"]), str(csv_file)]
    )
    assert result.exit_code == 0, result.output
    assert "1 people enrolled" in result.output and "1 unchanged" in result.output
    csv_file.write_text("internal_id,role\nGHOST,mentor\n")
    refused = app.test_cli_runner().invoke(
        args=["people", "enrol", "--programme", str(ids["programme"]), str(csv_file)]
    )
    assert refused.exit_code == 2 and "GHOST" in refused.output


def test_suggestions_are_accepted_edited_and_rejected_by_the_admin_only(
    client: FlaskClient, sqlite_db: Database
) -> None:
    ids = world(sqlite_db)
    with sqlite_db.transaction() as session:
        people = {p.internal_id: p.id for p in session.scalars(select(Person))}
        for hr, role in (
            ("HV00000", "mentor"),
            ("HV00001", "mentor"),
            ("HV00004", "mentee"),
            ("HV00009", "mentee"),
        ):
            session.add(
                Enrolment(
                    programme_id=ids["programme"],
                    person_id=people[hr],
                    role=role,
                    enrolled_on=date(2026, 1, 5),
                )
            )
        # HV00004 manages HV00000: never suggested together.
        manager = session.scalars(select(Person).where(Person.internal_id == "HV00000")).one()
        manager.manager_id = "HV00004"
    sign_in(client, "lead@example.com")
    page = f"/admin/programmes/{ids['programme']}/suggestions"
    shown = client.get(page).get_data(as_text=True)
    assert "Suggested pairs (2)" in shown
    assert count(sqlite_db, Pairing) == 0  # never automatic
    rows = re.findall(r'name="mentor" value="(HV\d+)".*?name="mentee" value="(HV\d+)"', shown, re.S)
    assert ("HV00000", "HV00009") in rows and ("HV00001", "HV00004") in rows
    # Reject one: it is left out and the rest is proposed again.
    rejected = client.get(
        page, query_string={"reject": f"{people['HV00001']}-{people['HV00004']}"}
    ).get_data(as_text=True)
    assert "1 rejected pair left out" in rejected
    assert "Suggested pairs (1)" in rejected
    # Accept one with its mentee edited (swapped).
    accepted = client.post(
        f"{page}/accept",
        data={
            "csrf_token": csrf(client, page),
            "mentor": "HV00001",
            "mentee": "HV00009",
            "starts_on": "2026-02-01",
        },
    )
    assert accepted.status_code == 303
    with sqlite_db.sessions() as session:
        pairs = session.execute(select(Pairing.mentor_id, Pairing.mentee_id)).all()
    assert pairs == [(people["HV00001"], people["HV00009"])]
    left = client.get(page).get_data(as_text=True)
    assert "No suggestions" in left and "line manager" in left


def test_confirmation_pages_work_without_javascript(
    client: FlaskClient, sqlite_db: Database
) -> None:
    ids = world(sqlite_db, 3)
    with sqlite_db.transaction() as session:
        programme = session.get(Programme, ids["programme"])
        assert programme is not None
        pairing = f.pairing(session, programme)
        pairing_id = pairing.id
        mentor_email = pairing.mentor.email
    sign_in(client, "lead@example.com")
    confirm = client.get(f"/admin/pairings/{pairing_id}/end?end-ends_on=2026-07-01")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "End this pairing?" in text and mentor_email in text
    assert 'value="2026-07-01"' in text and "Yes, end the pairing" in text
    assert count(sqlite_db, Pairing, Pairing.ended_on.is_(None)) == 1
    tokens = client.get("/admin/tokens?revoke=1").get_data(as_text=True)
    assert "No tokens yet" in tokens
    # Launching a round for 3 people says, before launching, that k is out of reach.
    round_page = f"/admin/programmes/{ids['programme']}/rounds/confirm"
    warned = client.get(
        round_page, query_string={"round-label": "baseline", "round-closes_on": "2099-01-01"}
    ).get_data(as_text=True)
    assert "2 people would be invited: below k=5 nothing will ever be shown." in warned
    assert 'value="baseline"' in warned
    assert count(sqlite_db, SurveyRound) == 0
    launched = post(
        client,
        round_page,
        f"/admin/programmes/{ids['programme']}/rounds",
        {"round-label": "baseline", "round-closes_on": "2099-01-01"},
    )
    assert launched.status_code == 303
    assert count(sqlite_db, SurveyRound) == 1


def test_the_import_offers_a_template_and_the_next_step(
    client: FlaskClient, sqlite_db: Database
) -> None:
    ids = world(sqlite_db, 0)
    sign_in(client, "lead@example.com")
    template = client.get(f"/admin/firms/{ids['firm']}/people/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    header = template.get_data(as_text=True).splitlines()[0]
    assert {"given_name", "family_name", "manager_id", "team"} <= set(header.split(","))
    page = f"/admin/firms/{ids['firm']}/people/import"
    response = client.post(
        page,
        data={
            "csrf_token": csrf(client, page),
            "file": (BytesIO(template.get_data()), "people.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Next step: enrol these people" in after
    with sqlite_db.sessions() as session:
        ada = session.scalars(select(Person)).one()
    assert (ada.given_name, ada.family_name, ada.manager_id, ada.team) == (
        "Ada",
        "Lovelace",
        "HR0002",
        "M&A 1",
    )
