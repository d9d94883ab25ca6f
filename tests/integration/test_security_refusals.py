"""Issue 14 probes that used to end in a 500 or in a silent change: each is now a 4xx with one
sentence, and nothing is stored."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys.db.models import (
    ExportRequest,
    Firm,
    Meeting,
    Person,
    Programme,
    Response,
    SealedSubmission,
)
from surveys.db.session import Database
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from tests.integration.test_admin_pages import PASSWORD, csrf, sign_in
from tests.integration.test_calendar_webhook import deliver, hook  # noqa: F401 - fixture
from tests.integration.test_people_import import GOOD, HEADER
from tests.support import factories as f

DEEP = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"a":' * 2000 + b"1" + b"}" * 2000
JUST_TOO_DEEP = b'{"firm_ids":' + b"[" * 40 + b"]" * 40 + b"}"


def count(db: Database, model: Any) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# --- NUL bytes -------------------------------------------------------------------------------


@pytest.fixture
def survey_app(sqlite_db: Database, make_settings: Callable[..., Any]) -> Any:
    from webapp import create_app

    settings = make_settings(database_url=sqlite_db.url, secret_key=f.SECRET)
    return create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)


def test_a_nul_byte_in_a_survey_comment_is_refused_and_nothing_is_stored(
    survey_app: Any, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        token = f.invited_pair(session)["mentor"]
    client = survey_app.test_client()
    page = client.get(f"/s/{token}")
    found = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data)
    assert found
    answers = {key: values for key, values in f.MENTOR_ANSWERS.items()}
    answers["comment"] = ["fine\x00then"]
    response = client.post(f"/s/{token}", data={**answers, "csrf_token": found.group(1).decode()})
    assert response.status_code == 422
    assert "Please remove the invisible NUL character from this answer." in response.get_data(
        as_text=True
    )
    assert count(sqlite_db, SealedSubmission) == 0 and count(sqlite_db, Response) == 0


def staff(db: Database, role: str = "lead") -> int:
    with db.transaction() as session:
        firm = f.firm(session)
        create_account(session, "staff@example.com", PASSWORD, role, [firm])
        return firm.id


def upload(client: FlaskClient, firm_id: int, data: bytes) -> Any:
    page = f"/admin/firms/{firm_id}/people/import"
    return client.post(
        page,
        data={"csrf_token": csrf(client, page), "file": (io.BytesIO(data), "hr.csv")},
        content_type="multipart/form-data",
    )


def test_a_nul_byte_in_an_hr_file_is_refused_and_nothing_is_imported(
    client: FlaskClient, sqlite_db: Database
) -> None:
    firm_id = staff(sqlite_db)
    sign_in(client, "staff@example.com")
    response = upload(client, firm_id, GOOD.replace("Corporate", "Corp\x00orate").encode())
    assert response.status_code == 422
    assert "contains a NUL byte" in response.get_data(as_text=True)
    assert count(sqlite_db, Person) == 0


def api_token(db: Database, role: str) -> tuple[str, str]:
    with db.transaction() as session:
        firm = f.firm(session)
        account = create_account(session, f"{role}@example.com", PASSWORD, role, [firm])
        return create_api_token(session, account.id, "tests").secret, firm.slug


def test_a_nul_byte_in_hr_data_sent_to_the_api_is_refused(
    client: FlaskClient, sqlite_db: Database
) -> None:
    secret, slug = api_token(sqlite_db, "lead")
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/firms/{slug}/people"
    as_csv = client.post(
        url, data=GOOD.replace("Leeds", "Le\x00eds"), content_type="text/csv", headers=headers
    )
    person = {
        "internal_id": "E1",
        "email": "ada@example.com",
        "level": "counsel",
        "practice_area": "Corp\x00orate",
        "office": "London",
        "start_date": "2015-03-01",
    }
    as_json = client.post(url, json=[person], headers=headers)
    for response in (as_csv, as_json):
        assert response.status_code == 422, response.get_data(as_text=True)
        assert "NUL" in response.get_json()["error"]["message"] + json.dumps(
            response.get_json()["error"]["details"]
        )
    assert count(sqlite_db, Person) == 0


# --- JSON nested too deep ----------------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, JUST_TOO_DEEP])
def test_json_nested_too_deep_on_the_exports_api_is_a_clear_400(
    client: FlaskClient, sqlite_db: Database, body: bytes
) -> None:
    secret, _ = api_token(sqlite_db, "researcher")
    response = client.post(
        "/api/v1/exports",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "the body nests deeper than 32 levels"
    assert count(sqlite_db, ExportRequest) == 0


def test_json_nested_too_deep_on_the_signed_webhook_is_a_clear_400(
    client: FlaskClient,
    sqlite_db: Database,
    hook: dict[str, Any],  # noqa: F811
) -> None:
    response = deliver(client, hook, body=DEEP)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "the body nests deeper than 32 levels"
    assert count(sqlite_db, Meeting) == 0


# --- HR headers 40,000 columns wide -----------------------------------------------------------


def test_a_40000_column_header_is_refused_with_a_short_message(
    client: FlaskClient, sqlite_db: Database
) -> None:
    firm_id = staff(sqlite_db)
    sign_in(client, "staff@example.com")
    repeated = HEADER.strip() + ",email" * 40_000 + "\n"
    response = upload(client, firm_id, repeated.encode())
    assert response.status_code == 422
    assert "column(s) given twice: email" in response.get_data(as_text=True)
    unknown = ",".join(f"c{i}" for i in range(40_000)) + "\n"
    response = upload(client, firm_id, unknown.encode())
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "unknown columns" in text and "c9" in text and "and 39990 more" in text
    assert len(text) < 50_000
    assert count(sqlite_db, Person) == 0


def test_the_header_check_is_linear_in_its_width() -> None:
    from surveys.services.people import reading

    calls = 0
    real = reading.Counter

    class Counting(real):  # type: ignore[misc,valid-type]
        def __init__(self, names: Any) -> None:
            nonlocal calls
            calls += 1
            super().__init__(names)

    reading.Counter = Counting  # type: ignore[misc]
    try:
        problems = reading.header_problems(["email"] * 40_000)
    finally:
        reading.Counter = real  # type: ignore[misc]
    assert calls == 1
    assert any("given twice: email" in p.message for p in problems)


# --- a form POST carrying only its CSRF token ---------------------------------------------------


def test_a_csrf_only_post_to_the_programme_form_changes_nothing(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        programme = f.programme(session, pulse_surveys=True, climate_surveys=True)
        create_account(session, "staff@example.com", PASSWORD, "lead", [programme.firm])
        programme_id = programme.id
    sign_in(client, "staff@example.com")
    page = f"/admin/programmes/{programme_id}/edit"
    response = client.post(page, data={"csrf_token": csrf(client, page)})
    assert response.status_code == 422
    assert "This form arrived incomplete, so nothing was changed." in response.get_data(
        as_text=True
    )
    with sqlite_db.sessions() as session:
        found = session.get(Programme, programme_id)
        assert found is not None and (found.pulse_surveys, found.climate_surveys) == (True, True)


def test_a_csrf_only_post_to_the_firm_settings_changes_nothing(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        firm = f.firm(session, benchmarking_opt_in=True, min_group_size=7)
        create_account(session, "staff@example.com", PASSWORD, "admin")
        firm_id = firm.id
    sign_in(client, "staff@example.com")
    page = f"/admin/firms/{firm_id}"
    response = client.post(f"{page}/settings", data={"settings-csrf_token": csrf(client, page)})
    assert response.status_code == 422
    assert "This form arrived incomplete, so nothing was changed." in response.get_data(
        as_text=True
    )
    with sqlite_db.sessions() as session:
        found = session.get(Firm, firm_id)
        assert found is not None and (found.benchmarking_opt_in, found.min_group_size) == (True, 7)
