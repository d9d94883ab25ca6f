"""Issue 26 probes at the edges, on PostgreSQL (which refuses NUL bytes and integers past
its column types): each used to end in a 500 and is now a 4xx with one clear sentence,
with nothing written."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import Account, Enrolment, Response, SealedSubmission
from surveys.db.session import Database
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from tests.integration.test_admin_pages import PASSWORD, csrf, sign_in
from tests.integration.test_respond_outage import apps  # noqa: F401 - fixture
from tests.support import factories as f

BIGINT = "9223372036854775807"


def count(db: Database, model: Any) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def pg_app(pg_db: Database, make_settings: Callable[..., Any]) -> Any:
    from webapp import create_app

    settings = make_settings(database_url=pg_db.url, secret_key=f.SECRET)
    return create_app({"TESTING": True, "FLIPSIDE_DATABASE": pg_db}, settings=settings)


@pytest.fixture
def lead(pg_app: Any, pg_db: Database) -> tuple[FlaskClient, int, int]:
    """A signed-in lead's client, their firm's id and a programme of that firm."""
    with pg_db.transaction() as session:
        programme = f.programme(session)
        f.person(session, programme.firm, internal_id="E1")
        create_account(session, "lead@example.com", PASSWORD, "lead", [programme.firm])
        ids = programme.firm_id, programme.id
    client = pg_app.test_client()
    sign_in(client, "lead@example.com")
    return client, *ids


def message_of(response: Any) -> str:
    if response.is_json:
        return str(response.get_json()["error"]["message"])
    return str(response.get_data(as_text=True))


# --- the survey page ---------------------------------------------------------------------------


def test_a_survey_post_over_8_mb_is_a_clear_413(pg_app: Any, pg_db: Database) -> None:
    with pg_db.transaction() as session:
        token = f.invited_pair(session)["mentor"]
    client = pg_app.test_client()
    response = client.post(
        f"/s/{token}",
        data={"comment": "x" * (9 * 1024 * 1024), "lang": "fr"},
    )
    assert response.status_code == 413
    assert "What you sent is too large." in response.get_data(as_text=True)
    assert count(pg_db, SealedSubmission) == 0 and count(pg_db, Response) == 0


def test_opening_a_survey_link_while_the_database_is_away_is_the_503_page(
    apps: tuple[Any, Any],  # noqa: F811
    pg_db: Database,
) -> None:
    _, down = apps
    with pg_db.transaction() as session:
        token = f.invited_pair(session)["mentor"]
    response = down.test_client().get(f"/s/{token}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "please try again in a minute" in response.get_data(as_text=True)


# --- NUL bytes ---------------------------------------------------------------------------------


def test_a_nul_byte_in_the_bulk_enrolment_csv_is_refused(
    lead: tuple[FlaskClient, int, int], pg_db: Database
) -> None:
    client, _, programme_id = lead
    page = f"/admin/programmes/{programme_id}/enrolments/import"
    response = client.post(
        page,
        data={
            "csrf_token": csrf(client, page),
            "file": (io.BytesIO(b"internal_id,role\nE\x001,mentor\n"), "enrol.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "NUL" in response.get_data(as_text=True)
    assert count(pg_db, Enrolment) == 0


@pytest.mark.parametrize("name", ["q", "office", "practice_area"])
def test_a_nul_byte_in_the_people_search_is_a_clear_400(
    lead: tuple[FlaskClient, int, int], name: str
) -> None:
    client, firm_id, _ = lead
    response = client.get(f"/admin/firms/{firm_id}/people?{name}=Lon%00don")
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_a_page_number_past_any_list_is_a_clear_400(lead: tuple[FlaskClient, int, int]) -> None:
    client, firm_id, _ = lead
    response = client.get(f"/admin/firms/{firm_id}/people?page={BIGINT}")
    assert response.status_code == 400
    assert "page" in response.get_data(as_text=True)
    assert client.get(f"/admin/firms/{firm_id}/people?page=2").status_code == 200


# --- the API -----------------------------------------------------------------------------------


@pytest.fixture
def admin_token(pg_db: Database) -> tuple[str, int]:
    with pg_db.transaction() as session:
        firm = f.firm(session)
        account = create_account(session, "admin@example.com", PASSWORD, "admin", [firm])
        create_account(session, "other@example.com", PASSWORD, "lead", [firm])
        return create_api_token(session, account.id, "tests").secret, account.id


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/exports/{2**31}",
        f"/api/v1/exports/{BIGINT}",
        f"/api/v1/programmes/{2**31}/comparison?survey_key=a&question_key=b&by=level",
        f"/admin/firms/{2**31}",
        f"/dashboard/programmes/{2**40}",
    ],
)
def test_ids_past_the_database_integer_are_a_404(
    pg_app: Any, admin_token: tuple[str, int], path: str
) -> None:
    client = pg_app.test_client()
    if path.startswith("/api/"):
        response = client.get(path, headers={"Authorization": f"Bearer {admin_token[0]}"})
    else:
        sign_in(client, "admin@example.com")
        response = client.get(path)
    assert response.status_code == 404, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("account_id", [str(2**31), BIGINT, "\u0661", "9" * 10])
def test_an_account_id_past_the_database_integer_is_a_404(
    pg_app: Any, admin_token: tuple[str, int], account_id: str
) -> None:
    response = pg_app.test_client().patch(
        f"/api/v1/accounts/{account_id}",
        json={"active": False},
        headers={"Authorization": f"Bearer {admin_token[0]}"},
    )
    assert response.status_code == 404
    assert "there is no account" in message_of(response)


def test_a_nul_byte_in_a_firm_slug_sent_to_the_accounts_api_is_refused(
    pg_app: Any, pg_db: Database, admin_token: tuple[str, int]
) -> None:
    with pg_db.sessions() as session:
        other = session.scalars(select(Account).where(Account.email == "other@example.com")).one()
        other_id, before = other.id, sorted(x.slug for x in other.firms)
    response = pg_app.test_client().patch(
        f"/api/v1/accounts/{other_id}",
        json={"firms": ["acme\x00"]},
        headers={"Authorization": f"Bearer {admin_token[0]}"},
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert re.search("NUL", message_of(response))
    with pg_db.sessions() as session:
        other = session.get(Account, other_id)
        assert other is not None and sorted(x.slug for x in other.firms) == before


# --- addresses at the HR import ------------------------------------------------------------------


def test_the_hr_import_refuses_addresses_mail_cannot_reach_and_converts_idna(
    pg_db: Database,
) -> None:
    from surveys.db.models import Person
    from surveys.services.people import ImportRejected, import_people, read_csv
    from tests.integration.test_people_import import HEADER

    with pg_db.transaction() as session:
        firm_id = f.firm(session).id
    bad = HEADER + "E1,josé@firm.example,associate,Tax,London,2020-01-01,,,,,,\n"
    with pytest.raises(ImportRejected) as refused, pg_db.transaction() as session:
        import_people(session, firm_id, read_csv(bad.encode()))
    problems = [(p.row, p.column, p.message) for p in refused.value.problems]
    assert len(problems) == 1 and problems[0][:2] == (2, "email")
    assert "non-ASCII characters before the @" in problems[0][2]
    assert count(pg_db, Person) == 0
    good = HEADER + "E1,Ada@Bücher.example,associate,Tax,London,2020-01-01,,,,,,\n"
    with pg_db.transaction() as session:
        import_people(session, firm_id, read_csv(good.encode()))
    with pg_db.sessions() as session:
        assert session.scalars(select(Person.email)).all() == ["ada@xn--bcher-kva.example"]
