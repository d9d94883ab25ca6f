"""The programme report (printable page and PDF), a programme's early state, the staff
header and what a researcher reaches.

The PDF is read back with pypdf: its text must hold every planned outcome, the
firm's name and the date. An early programme (nothing released) says what will
appear and what each role needs, without a count below k.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.reports.builder.request import outcomes
from surveys.services.accounts import create_account
from surveys.services.invitations import issue_pulse_invitations
from surveys.services.plans import plan_state
from surveys.settings import Settings
from tests.integration.test_admin_pages import csrf
from tests.integration.test_dashboard_compare import programme_of, sign_in_demo, text_of
from tests.support import factories as f
from tests.support.demo_world import DemoWorld

PASSWORD = "correct horse battery"


@pytest.fixture
def demo_client(demo_world: DemoWorld, make_settings: Callable[..., Settings]) -> Iterator[Any]:
    from webapp import create_app

    settings = make_settings(database_url=demo_world.db.url)
    app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": demo_world.db}, settings=settings)
    yield app.test_client()


def words(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


def test_the_pdf_holds_every_planned_outcome_the_firm_and_the_date(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    pypdf = pytest.importorskip("pypdf")
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    response = demo_client.get(f"/dashboard/programmes/{programme}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert "attachment" in response.headers["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    text = words(" ".join(page.extract_text() for page in reader.pages))
    with demo_world.db.sessions() as session:
        plan = plan_state(session, programme).plan
    labels = outcomes()
    for item in plan.items:
        assert words(labels[item.outcome].label) in text, item.outcome
    assert "Harcourt & Vale LLP" in text
    assert datetime.now(UTC).date().isoformat() in text
    assert "fell further than the comparison group's" in text  # the recommend decline
    assert "5. Methods" in text and "4. The evaluation plan" in text
    assert len(reader.pages) >= 2


def test_the_printable_report_has_the_chart_as_an_image_beside_its_table(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "researcher@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    page = demo_client.get(f"/dashboard/programmes/{programme}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    image = re.search(r'<img class="chart" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert image and len(image[1]) > 1000
    table = re.search(r'<table id="planned-effects-table">.*?</table>', html, re.S)
    assert table
    with demo_world.db.sessions() as session:
        planned = len(plan_state(session, programme).plan.items)
    assert len(re.findall(r"<tr><td>", table[0])) == planned
    assert f'href="/dashboard/programmes/{programme}/report.pdf"' in html


def early_world(db: Database) -> dict[str, int]:
    """Six pairs that met, three mentors having answered (fewer than k = 5), nothing released."""
    with db.transaction() as session:
        firm = f.firm(session)
        programme = f.programme(session, firm)
        pairings = [f.pairing(session, programme) for _ in range(6)]
        answered = 3
        for pairing in pairings:
            meeting = f.meeting(session, pairing, held_on=date(2026, 2, 10))
            for invitation in issue_pulse_invitations(session, meeting.id, f.SECRET, 14):
                invitation.sent_at = utcnow()
                if invitation.survey_key == "mentor_pulse" and answered:
                    invitation.responded, answered = True, answered - 1
        for role in ("lead", "admin", "researcher"):
            create_account(
                session, f"{role}@example.com", PASSWORD, role, [] if role == "admin" else [firm]
            )
        return {"programme": programme.id}


@pytest.fixture
def early(sqlite_db: Database, make_settings: Callable[..., Settings]) -> tuple[FlaskClient, int]:
    from webapp import create_app

    world = early_world(sqlite_db)
    settings = make_settings(database_url=sqlite_db.url)
    app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)
    return app.test_client(), world["programme"]


def sign_in(client: FlaskClient, email: str) -> None:
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf(client, "/auth/login")}
    assert client.post("/auth/login", data=data).status_code == 302


def test_an_early_programme_says_what_will_appear_and_hides_counts_below_k(
    early: tuple[FlaskClient, int],
) -> None:
    client, programme = early
    sign_in(client, "lead@example.com")
    page = client.get(f"/dashboard/programmes/{programme}/headline").get_data(as_text=True)
    section = re.search(r'<section class="card card-findings card-early".*?</section>', page, re.S)
    assert section, "no early-state section"
    said = text_of(section[0])
    assert "No results have been released yet" in said
    assert "mixer" in said and "every 24 hours" in said
    assert said.count("Needs at least 5 answers") == 3  # mentors (3 answered), mentees, comparison
    assert "3 answers" not in said and " 3 " not in said  # the count below k is not told
    for label in ("Climate: How likely are you to recommend the firm", "Retention"):
        assert label in said
    # No wall of refusals: nothing says "Refused" or "suppressed" about the findings.
    assert "Refused" not in text_of(page) and 'card-findings" id="findings"' not in page
    assert "the change since “none”" not in page


def test_the_staff_header_links_to_the_accounts_page_and_change_password(
    early: tuple[FlaskClient, int],
) -> None:
    client, _ = early
    assert "Staff sign-in" in client.get("/").get_data(as_text=True)
    sign_in(client, "lead@example.com")
    page = client.get("/dashboard/").get_data(as_text=True)
    header = re.search(r'<header class="site-header">.*?</header>', page, re.S)
    assert header
    assert "Staff sign-in" not in header[0]
    assert 'href="/auth/password">Change password</a>' in header[0]
    assert "/admin/accounts" not in header[0]  # a lead has no accounts page
    admin = client.application.test_client()
    sign_in(admin, "admin@example.com")
    header = re.search(
        r'<header class="site-header">.*?</header>',
        admin.get("/dashboard/").get_data(as_text=True),
        re.S,
    )
    assert header and 'href="/admin/accounts">Accounts</a>' in header[0]
    assert admin.get("/admin/accounts").status_code == 200


def test_a_researcher_reaches_every_dashboard_page_from_the_landing_page_read_only(
    early: tuple[FlaskClient, int],
) -> None:
    client, programme = early
    sign_in(client, "researcher@example.com")
    landing = client.get("/dashboard/").get_data(as_text=True)
    base = f"/dashboard/programmes/{programme}"
    for page in ("/headline", "", "/compare", "/report"):
        assert f'href="{base}{page}"' in landing, page
    assert f'href="/admin/programmes/{programme}"' not in landing  # nothing to manage
    for page in ("/headline", "", "/pulse", "/compare", "/retention", "/plan", "/report"):
        assert client.get(base + page).status_code == 200, page
    token = csrf(client, "/dashboard/")
    assert client.post(base + "/plan", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/admin/programmes/{programme}").status_code == 403
