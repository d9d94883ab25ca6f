"""The comparison builder and retention pages on the demo data, and their downloads.

Tenant scoping, disclosure in PNG/CSV downloads, and bad query strings (400
with a sentence, never a 500) are checked through the Flask test client.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.db.models import Firm, Programme
from surveys.reports.two_cohorts import released_histogram
from surveys.settings import Settings
from surveys.stats import welch_t_from_counts
from tests.integration.test_admin_pages import csrf
from tests.support.demo_world import DemoWorld

STAY = "outcome=climate:intend_to_stay"


@pytest.fixture
def demo_client(demo_world: DemoWorld, make_settings: Callable[..., Settings]) -> Iterator[Any]:
    from webapp import create_app

    settings = make_settings(database_url=demo_world.db.url)
    app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": demo_world.db}, settings=settings)
    yield app.test_client()


def sign_in_demo(client: FlaskClient, world: DemoWorld, email: str) -> None:
    response = client.post(
        "/auth/login",
        data={
            "email": email,
            "password": world.logins[email].password,
            "csrf_token": csrf(client, "/auth/login"),
        },
    )
    assert response.status_code == 302


def programme_of(world: DemoWorld, slug: str) -> int:
    with world.db.sessions() as session:
        found = session.scalar(
            select(Programme.id).join(Firm).where(Firm.slug == slug).order_by(Programme.id)
        )
    assert found is not None
    return found


def text_of(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_a_lead_builds_participants_vs_comparison_and_reads_the_engines_own_sentence(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    page = demo_client.get(f"/dashboard/programmes/{programme}/compare?{STAY}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with demo_world.db.sessions() as session:
        rounds = re.findall(r'<option value="(\d+)" selected', html) or None
        assert rounds is None  # the latest round is the default, nothing preselected
        from surveys.reports.builder.sides import climate_rounds

        latest = climate_rounds(session, programme)[-1].id
        a = released_histogram(
            session, programme, "climate", "intend_to_stay", "role", ["mentor", "mentee"], 5, latest
        )
        b = released_histogram(
            session, programme, "climate", "intend_to_stay", "role", ["comparison"], 5, latest
        )
    expected = welch_t_from_counts(
        a,
        b,
        labels=("participants", "the comparison group"),
        min_group_size=5,
        outcome="I intend to be working here in two years' time",
    )
    # The engine's sentence, with the answer scale named.
    summary = expected.summary.replace(" points higher ", " points higher on a 1–5 scale ")
    assert summary[:1].upper() + summary[1:] in text_of(html)
    assert 'role="img"' in html and 'id="means-title"' in html
    assert "Adjusted p (Holm)" in html


def test_downloads_carry_the_page_query_and_hold_the_table_numbers(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    html = demo_client.get(f"/dashboard/programmes/{programme}/compare?{STAY}").get_data(
        as_text=True
    )
    link = re.search(r'href="([^"]+/compare/charts/means\.csv\?[^"]+)"', html)
    assert link is not None
    response = demo_client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Outcome", "Group", "Mean", "95% CI low", "95% CI high", "Responses"]
    assert [r[1] for r in rows[1:]] == ["participants", "the comparison group"]
    table = re.search(r'<table id="means-table">(.*?)</table>', html, re.S)
    assert table is not None
    for row in rows[1:]:
        assert row[2] in table.group(1)
    png = demo_client.get(link.group(1).replace("&amp;", "&").replace(".csv", ".png"))
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG\r\n\x1a\n")


def test_retention_page_shows_curves_and_the_log_rank_result(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    page = demo_client.get(f"/dashboard/programmes/{programme}/retention")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="km-retention-title"' in html and 'id="km-promotion-title"' in html
    assert "Log-rank" in html and "hazard ratio" in html
    csv_page = demo_client.get(
        f"/dashboard/programmes/{programme}/retention/charts/km-retention.csv"
    )
    assert csv_page.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_page.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Group", "Month", "Still at the firm", "95% CI low", "95% CI high"]
    assert {r[0] for r in rows[1:]} == {"Participants", "Comparison group"}
    assert rows[1][1] == "0" and all(r[2].endswith("%") for r in rows[1:])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("outcome=nope", "There is no outcome 'nope'"),
        (f"{STAY}&comparison=bogus", "'comparison' must be one of"),
        (f"{STAY}&round=abc", "'round' must be a whole number"),
        (f"{STAY}&round=99999", "There is no climate round 99999"),
        (f"{STAY}&round=1&round=2", "'round' was given 2 times"),
        (f"{STAY}&test=z", "'test' must be one of"),
        (f"{STAY}&adjust=bonferroni", "'adjust' must be one of"),
        ("outcome=hr:retention&comparison=did", "cannot be compared as"),
        (f"{STAY}&months=0", "'months' must be a whole number"),
        ("outcome=index:climate&comparison=did", "cannot be compared as"),
        (f"{STAY}&round=%C2%B2", "'round' must be a whole number"),
    ],
)
def test_bad_query_strings_get_400_with_a_sentence(
    demo_client: FlaskClient, demo_world: DemoWorld, query: str, message: str
) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    for path in ("compare", "compare/charts/means.csv"):
        response = demo_client.get(f"/dashboard/programmes/{programme}/{path}?{query}")
        assert response.status_code == 400, (path, query)
        assert message in text_of(response.get_data(as_text=True)), query


def test_a_lead_of_another_firm_gets_404_on_every_new_page_and_download(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "lead2@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    for path in (
        f"compare?{STAY}",
        "retention",
        f"compare/charts/means.csv?{STAY}",
        "retention/charts/km-retention.png",
        "overview/charts/meetings.csv",
        "pulse/charts/spoke_openly.png",
    ):
        assert demo_client.get(f"/dashboard/programmes/{programme}/{path}").status_code == 404


def test_an_administrator_sees_any_firms_comparison(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "admin@example.com")
    programme = programme_of(demo_world, "marlowe-quinn")
    response = demo_client.get(f"/dashboard/programmes/{programme}/compare?{STAY}&comparison=did")
    assert response.status_code == 200
    assert "Difference-in-differences from round 'baseline' to round 'follow-up'" in text_of(
        response.get_data(as_text=True)
    )


def test_unknown_query_keys_are_ignored_not_carried_into_links(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    query = f"{STAY}&fmt=x&page=y&chart_id=z&programme_id=1&_external=1"
    response = demo_client.get(f"/dashboard/programmes/{programme}/compare?{query}")
    assert response.status_code == 200
    links = re.findall(r'href="([^"]+/charts/[^"]+)"', response.get_data(as_text=True))
    assert links and not any("fmt=" in link or "_external" in link for link in links)


#: Harcourt & Vale's latest climate round holds 7 mentors, 4 of them answering 3 to
#: belonging: a group whose answer is known (PRODUCT.md 2.3), refused for mentors. Marlowe
#: Quinn's holds 10 mentors with at least 5 outside the most common answer.
MENTORS_VS_MENTEES_FIRM = ("marlowe-quinn", "lead3@example.com")


@pytest.mark.parametrize(
    ("query", "heading", "chart", "firm"),
    [
        (f"{STAY}&comparison=matched", "matched on cohort", "means", None),
        (
            "outcome=pulse:recommend_programme&outcome=climate:belonging"
            "&comparison=mentors-mentees&test=mwu",
            "Mentors vs mentees",
            "means",
            MENTORS_VS_MENTEES_FIRM,
        ),
        (
            f"{STAY}&outcome=climate:belonging&comparison=did&adjust=BH",
            "difference-in",
            "means",
            None,
        ),
        (f"{STAY}&outcome=index:climate&comparison=benchmark", "other firms pooled", "means", None),
        ("outcome=hr:retention&outcome=hr:promotion", "Participants vs", "km-promotion", None),
    ],
)
def test_every_comparison_renders_its_chart_table_and_downloads(
    demo_client: FlaskClient,
    demo_world: DemoWorld,
    query: str,
    heading: str,
    chart: str,
    firm: tuple[str, str] | None,
) -> None:
    slug, lead = firm or ("harcourt-vale", "lead@example.com")
    sign_in_demo(demo_client, demo_world, lead)
    programme = programme_of(demo_world, slug)
    response = demo_client.get(f"/dashboard/programmes/{programme}/compare?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert heading in text_of(html)
    assert f'id="{chart}-title"' in html and f'id="{chart}-table"' in html
    assert 'class="refused"' not in html
    download = demo_client.get(
        f"/dashboard/programmes/{programme}/compare/charts/{chart}.csv?{query}"
    )
    assert download.status_code == 200
