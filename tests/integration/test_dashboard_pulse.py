"""Pulse trends: diverging bars as server-side SVG with a table, from disclosed cells only."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from surveys.db.models import AggregateCell, Programme
from surveys.db.session import Database
from tests.integration.test_admin_pages import sign_in
from tests.integration.test_dashboard_overview import build_world, rows
from tests.support.people import one_per_person


def question_cell(programme: Programme, released: dict[str, int], **key: Any) -> AggregateCell:
    n = sum(released.values())
    total = sum(int(v) * c for v, c in released.items())
    return AggregateCell(
        **{
            "survey_key": "mentor_pulse",
            "survey_version": 1,
            "question_key": "spoke_openly",
            "item": "",
            "firm_id": programme.firm_id,
            "programme_id": programme.id,
            "role": "mentor",
            "level_band": "junior",
            "tenure_band": "2-5y",
            "gender_group": "woman",
            "period_kind": "month",
            "period": "2026-02",
            "n": n + 1,  # one live answer not yet released
            "total": total + 1,
            "histogram": {**released, "1": released.get("1", 0) + 1},
            "released_n": n,
            "released_total": total,
            "released_histogram": released,
            **one_per_person(released),
            **key,
        }
    )


@pytest.fixture
def world(sqlite_db: Database) -> dict[str, Any]:
    world = build_world(sqlite_db)
    with sqlite_db.transaction() as session:
        programme = session.get(Programme, world["programme"])
        assert programme is not None
        session.add_all(
            [
                question_cell(programme, {"4": 6, "5": 5}),
                # March: all but two answered 3 (a group attribute), so it is hidden. Its
                # week 11 is never listed to anyone: a week could be subtracted from it.
                question_cell(programme, {"3": 10, "2": 2}, level_band="mid", period="2026-03"),
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


def pulse_page(client: FlaskClient, world: dict[str, Any], who: str = "lead") -> str:
    sign_in(client, f"{who}@example.com")
    response = client.get(f"/dashboard/programmes/{world['programme']}/pulse")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_likert_item_shows_released_shares_of_disclosed_cells_only(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    page = pulse_page(client, world)
    table = rows(page, "trend-1-table")
    assert table["2026-02"] == ["11", "0%", "0%", "0%", "55%", "45%"]
    assert all(c.startswith("suppressed") for c in table["2026-03"])  # all but two 3s


def test_each_trend_is_an_svg_chart_with_a_title_and_no_script(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    page = pulse_page(client, world)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert 'role="img" aria-labelledby="trend-1-title"' in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "2026-02: Agree 55%" in page  # each segment names its share


def test_items_without_released_results_say_so(client: FlaskClient, world: dict[str, Any]) -> None:
    assert "No released results yet." in pulse_page(client, world)  # e.g. the mentee pulse


@pytest.mark.parametrize(
    ("who", "status"),
    [("lead", 200), ("admin", 200), ("researcher", 200), ("foreign-lead", 404)],
)
def test_the_pulse_page_as_each_role_and_as_a_lead_of_another_firm(
    client: FlaskClient, world: dict[str, Any], who: str, status: int
) -> None:
    sign_in(client, f"{who}@example.com")
    response = client.get(f"/dashboard/programmes/{world['programme']}/pulse")
    assert response.status_code == status


def test_a_month_with_nothing_released_between_two_shown_ones_is_marked_in_place(
    client: FlaskClient, sqlite_db: Database, world: dict[str, Any]
) -> None:
    """March (hidden: all but two answered 3) sits between February and April, in the chart and
    the CSV, as "suppressed": never left out so that February and April close up."""
    with sqlite_db.transaction() as session:
        programme = session.get_one(Programme, world["programme"])
        session.add(question_cell(programme, {"4": 5, "5": 6}, period="2026-04"))
    page = pulse_page(client, world)
    table = rows(page, "trend-1-table")
    months = [key for key in table if key.startswith("2026")]
    assert months == ["2026-02", "2026-03", "2026-04"]
    assert all(c.startswith("suppressed") for c in table["2026-03"]), table["2026-03"]
    chart = re.search(r'<svg[^>]*aria-labelledby="trend-1-title".*?</svg>', page, re.S)
    assert chart is not None
    labels = re.findall(r"<text[^>]*>([^<]*)<", chart.group(0))
    assert [t for t in labels if t.startswith("2026")] == months
    assert labels[labels.index("2026-03") + 1].startswith("suppressed")
    link = re.search(r'href="([^"]+/pulse/charts/spoke_openly\.csv[^"]*)"', page)
    assert link is not None
    body = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert [line[0] for line in lines[1:]] == months
    assert all(c.startswith("suppressed") for c in lines[2][1:])


def test_shares_are_written_on_the_diverging_bars_where_they_fit(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    page = pulse_page(client, world)
    chart = re.search(r'<svg[^>]*aria-labelledby="trend-1-title".*?</svg>', page, re.S)
    assert chart is not None
    on_bars = re.findall(r'<text[^>]*text-anchor="middle"[^>]*>(\d+%)</text>', chart.group(0))
    assert on_bars == ["55%", "45%"]  # February: agree 55%, strongly agree 45%
