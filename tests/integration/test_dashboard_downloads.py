"""Chart downloads and the new pages as each role, on the small overview world.

Downloads go through the page's own scoping and disclosure: a suppressed
cell is the word "suppressed" in a CSV, never 0 or blank.
"""

from __future__ import annotations

import csv
import html
import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from surveys.db.models import Programme
from surveys.db.session import Database
from tests.integration.test_admin_pages import sign_in
from tests.integration.test_dashboard_overview import build_world
from tests.integration.test_dashboard_pulse import question_cell


@pytest.fixture
def world(sqlite_db: Database) -> dict[str, Any]:
    world = build_world(sqlite_db)
    with sqlite_db.transaction() as session:
        programme = session.get(Programme, world["programme"])
        assert programme is not None
        session.add_all(
            [
                # At least k answers besides the most common one (no group attribute
                # disclosure): 15 and 5 keep February's shares at 75% and 25%.
                question_cell(programme, {"4": 15, "5": 5}),
                question_cell(programme, {"3": 6, "2": 5}, level_band="mid", period="2026-03"),
                question_cell(
                    programme,
                    {"3": 5, "2": 5},
                    level_band="mid",
                    period_kind="week",
                    period="2026-W11",
                ),
            ]
        )
    return world


def rows_of(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_overview_meetings_csv_says_suppressed_where_the_table_does(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, "lead@example.com")
    base = f"/dashboard/programmes/{world['programme']}"
    page = client.get(base).get_data(as_text=True)
    assert 'id="meetings-title"' in page and ">suppressed</text>" in page
    rows = rows_of(client.get(f"{base}/overview/charts/meetings.csv"))
    # 10 meetings in February, 3 in March: March is below k, February hidden beside it.
    assert rows == [["Month", "Meetings"], ["2026-02", "suppressed"], ["2026-03", "suppressed"]]
    png = client.get(f"{base}/overview/charts/meetings.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")


def test_pulse_chart_downloads_hold_the_tables_rows_and_a_png_of_the_hand_drawn_chart(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, "lead@example.com")
    base = f"/dashboard/programmes/{world['programme']}/pulse"
    page = client.get(base).get_data(as_text=True)
    assert f"{base}/charts/spoke_openly.csv" in page
    rows = rows_of(client.get(f"{base}/charts/spoke_openly.csv"))
    assert rows[0][:2] == ["Month", "Responses"]
    assert rows[1] == ["2026-02", "20", "0%", "0%", "0%", "75%", "25%"]
    # Weeks are listed to nobody, so March has no week to be differenced against: it is
    # judged as the month the page shows, and the CSV lists what the page does.
    assert [r[0] for r in rows[1:]] == ["2026-02", "2026-03"]
    for month, *_ in rows[1:]:
        assert f">{month}<" in page
    png = client.get(f"{base}/charts/spoke_openly.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    assert client.get(f"{base}/charts/nope.csv").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("lead", 200), ("admin", 200), ("researcher", 200), ("foreign-lead", 404)],
)
def test_new_pages_and_downloads_by_role(
    client: FlaskClient, world: dict[str, Any], who: str, status: int
) -> None:
    sign_in(client, f"{who}@example.com")
    base = f"/dashboard/programmes/{world['programme']}"
    for path in (
        "/compare",
        "/compare?outcome=hr:retention",
        "/retention",
        "/overview/charts/meetings.csv",
        "/pulse/charts/spoke_openly.png",
    ):
        assert client.get(base + path).status_code == status, (who, path)


def test_signed_out_visitors_are_sent_to_sign_in(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    response = client.get(f"/dashboard/programmes/{world['programme']}/compare")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_hr_outcome_below_k_is_refused_on_the_page_with_its_reason(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, "lead@example.com")
    # the world has two comparison people: the log-rank test is refused, not run
    response = client.get(
        f"/dashboard/programmes/{world['programme']}/compare?outcome=hr:retention"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "below the minimum group size of 5; no test was run" in html
    assert "km-retention" not in html


def test_a_climate_outcome_without_rounds_says_so(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, "lead@example.com")
    response = client.get(
        f"/dashboard/programmes/{world['programme']}/compare?outcome=climate:belonging"
    )
    assert response.status_code == 422
    assert "no climate survey round yet" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [("groups=everyone", "'groups' must be one of"), ("months=%C2%B2", "'months' must be")],
)
def test_retention_bad_query_strings_get_400(
    client: FlaskClient, world: dict[str, Any], query: str, message: str
) -> None:
    sign_in(client, "lead@example.com")
    base = f"/dashboard/programmes/{world['programme']}/retention"
    for path in (base, f"{base}/charts/km-retention.csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert message in html.unescape(response.get_data(as_text=True))
