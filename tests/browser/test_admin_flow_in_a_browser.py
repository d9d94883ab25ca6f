"""An admin's flow in Chromium: import with names, bulk enrolment, suggestions, a confirmation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from surveys.db.models import Pairing, Person
from surveys.db.session import Database
from surveys.services.accounts import create_account
from tests.browser.conftest import screenshot
from tests.integration.test_admin_pages import PASSWORD
from tests.support import factories as f

pytestmark = pytest.mark.browser

HEADER = "internal_id,email,level,practice_area,office,start_date,given_name,family_name,team\n"
PEOPLE = [
    ("HR1", "trainee", "Tax", "London", "Ada", "Lovelace", "t1"),
    ("HR2", "associate", "Corporate", "Leeds", "Grace", "Hopper", "t2"),
    ("HR3", "partner", "Litigation", "Leeds", "Alan", "Turing", "t1"),
    ("HR4", "board", "Tax", "London", "Edsger", "Dijkstra", "t3"),
    ("HR5", "counsel", "Corporate", "Leeds", "Barbara", "Liskov", "t2"),
]


@pytest.fixture
def laptop(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_an_admin_imports_enrols_and_pairs_from_suggestions(
    sqlite_db: Database,
    live_server: tuple[str, Callable[..., Any]],
    laptop: Any,
    tmp_path: Path,
) -> None:
    base_url, _ = live_server
    with sqlite_db.transaction() as session:
        firm = f.firm(session, name="Harcourt Vale")
        programme = f.programme(session, firm, name="Reverse 2026")
        create_account(session, "admin@example.com", PASSWORD, "admin", [])
        firm_id, programme_id = firm.id, programme.id
    hr_file = tmp_path / "people.csv"
    hr_file.write_text(
        HEADER
        + "".join(
            f"{hr},{given.lower()}@example.com,{level},{practice},{office},2020-01-01,"
            f"{given},{family},{team}\n"
            for hr, level, practice, office, given, family, team in PEOPLE
        )
    )
    enrol_file = tmp_path / "enrol.csv"
    enrol_file.write_text(
        "internal_id,role\nHR1,mentor\nHR2,mentor\nHR3,mentee\nHR4,mentee\nHR5,mentee\n"
    )

    laptop.goto(f"{base_url}/auth/login")
    laptop.get_by_label("E-mail address").fill("admin@example.com")
    laptop.get_by_label("Password").fill(PASSWORD)
    laptop.get_by_role("button", name="Sign in").click()
    laptop.wait_for_load_state()

    # Import with names, then the "next step" link.
    laptop.goto(f"{base_url}/admin/firms/{firm_id}/people/import")
    laptop.get_by_label("HR file (CSV)").set_input_files(str(hr_file))
    laptop.get_by_role("button", name="Import", exact=True).click()
    laptop.get_by_role("heading", name="Next step: enrol these people").wait_for()
    laptop.get_by_role("link", name="enrol from a file into Reverse 2026").click()

    # Bulk enrolment from a CSV.
    laptop.get_by_label("Enrolment file (CSV)").set_input_files(str(enrol_file))
    laptop.get_by_role("button", name="Enrol", exact=True).click()
    laptop.wait_for_url(f"{base_url}/admin/programmes/{programme_id}/people")
    assert "2 mentors, 3 mentees" in laptop.content()
    assert laptop.get_by_role("cell", name="Ada Lovelace").is_visible()

    # Suggestions (score in surveys/domain/pairing.py): Ada-Barbara 3.2 + Grace-Edsger 3.6
    # is the best total; Ada-Alan and Grace-Barbara share a team and are never suggested.
    laptop.get_by_role("link", name="Pairing suggestions").first.click()
    laptop.get_by_role("table", name="Suggested pairs (2)").wait_for()
    screenshot(laptop, "admin-suggestions")
    ada = laptop.get_by_label("Mentee for Ada Lovelace <ada@example.com> (HR1)")
    grace = laptop.get_by_label("Mentee for Grace Hopper <grace@example.com> (HR2)")
    assert (ada.input_value(), grace.input_value()) == ("HR5", "HR4")
    laptop.get_by_role("row", name="Ada Lovelace").get_by_role("button", name="Accept").click()
    laptop.get_by_role("table", name="Suggested pairs (1)").wait_for()
    grace = laptop.get_by_label("Mentee for Grace Hopper <grace@example.com> (HR2)")
    assert grace.input_value() == "HR4"
    grace.fill("HR3")  # the admin edits the suggestion: another mentee
    laptop.get_by_role("row", name="Grace Hopper").get_by_role("button", name="Accept").click()
    laptop.get_by_text("No suggestions").wait_for()
    with sqlite_db.sessions() as session:
        people = {p.id: p.internal_id for p in session.scalars(select(Person))}
        pairs = {
            (people[m], people[e])
            for m, e in session.execute(select(Pairing.mentor_id, Pairing.mentee_id))
        }
    assert pairs == {("HR1", "HR5"), ("HR2", "HR3")}

    # End asks first, on a page of its own (no JavaScript needed).
    laptop.goto(f"{base_url}/admin/programmes/{programme_id}/people")
    laptop.get_by_role("row", name="Ada Lovelace").get_by_role("button", name="End…").click()
    laptop.get_by_role("heading", name="End this pairing?").wait_for()
    screenshot(laptop, "admin-confirm-end")
    laptop.get_by_role("button", name="Yes, end the pairing").click()
    laptop.wait_for_url(f"{base_url}/admin/programmes/{programme_id}/people")
    with sqlite_db.sessions() as session:
        ended = session.scalars(select(Pairing).where(Pairing.ended_on.is_not(None))).all()
    assert len(ended) == 1
