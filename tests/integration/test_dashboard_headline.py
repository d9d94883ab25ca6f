"""The headline page on the demo: every number recomputed independently from released data.

Climate figures are recomputed from the released histograms of the round's
aggregate cells (read straight from the table), pulse figures from the cells
disclosure control lets through (what the API lists), with the share
favourable, Wilson's interval and the net score written out here by hand.
Sentences and response rates must equal the detail pages they link to.
"""

from __future__ import annotations

import html as html_lib
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys import disclosure
from surveys.db.models import AggregateCell, Programme
from surveys.db.session import Database
from surveys.definitions import CLIMATE, PULSE_FOR_ROLE
from surveys.reports.builder.sides import climate_rounds
from surveys.reports.headline_rules import net, share_favourable
from surveys.reports.released_cells import candidate_cells
from surveys.settings import Settings
from tests.integration.test_admin_pages import sign_in
from tests.integration.test_dashboard_compare import programme_of, sign_in_demo, text_of
from tests.integration.test_dashboard_overview import build_world
from tests.integration.test_dashboard_pulse import question_cell
from tests.support.demo_world import DemoWorld

K = 5
Z = 1.959963984540054
ITEMS = ("belonging", "can_progress", "flexible_without_stigma", "leaders_understand")
ITEMS += ("intend_to_stay",)


@pytest.fixture
def demo_client(demo_world: DemoWorld, make_settings: Callable[..., Settings]) -> Iterator[Any]:
    from webapp import create_app

    settings = make_settings(database_url=demo_world.db.url)
    app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": demo_world.db}, settings=settings)
    yield app.test_client()


def cells_of(html: str, table_id: str) -> dict[str, list[str]]:
    """Rows of a table: first cell -> the other cells, tags stripped, spaces collapsed."""
    table = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert table, table_id
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        cells = [
            " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", c)).split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        found[cells[0]] = cells[1:]
    return found


def wilson(yes: int, n: int) -> tuple[float, float]:
    p = yes / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def favourable_text(histogram: Counter[float], *, sides: bool = True) -> tuple[str, float]:
    """A share favourable as shown; ``sides``: a climate share, k on each side."""
    n = sum(histogram.values())
    yes = histogram[4.0] + histogram[5.0]
    assert not sides or min(yes, n - yes) >= K  # shown: the demo's groups are large
    low, high = wilson(yes, n)
    return f"{100 * yes / n:.0f}% ({100 * low:.0f}–{100 * high:.0f})", 100 * yes / n


def net_text(histogram: Counter[float]) -> tuple[str, float]:
    n = sum(histogram.values())
    pro = sum(c for v, c in histogram.items() if v >= 9)
    det = sum(c for v, c in histogram.items() if v <= 6)
    score = 100 * (pro - det) / n
    # Rocks' adjusted Wald: 3/4 more promoters and detractors, 3 more answers.
    p, d, m = (pro + 0.75) / (n + 3), (det + 0.75) / (n + 3), n + 3
    half = Z * math.sqrt((p + d - (p - d) ** 2) / m)
    low, high = max(-1.0, p - d - half), min(1.0, p - d + half)
    return f"{score:+.0f} ({100 * low:+.0f} to {100 * high:+.0f})", score


def round_histogram(session: Any, programme: int, question: str, round_id: int) -> Counter[float]:
    found: Counter[float] = Counter()
    for histogram in session.scalars(
        select(AggregateCell.released_histogram).where(
            AggregateCell.programme_id == programme,
            AggregateCell.survey_key == CLIMATE,
            AggregateCell.question_key == question,
            AggregateCell.item == "",
            AggregateCell.period_kind == "round",
            AggregateCell.period == str(round_id),
        )
    ):
        for value, count in histogram.items():
            found[float(value)] += count
    return found


def headline(client: FlaskClient, programme: int) -> str:
    response = client.get(f"/dashboard/programmes/{programme}/headline")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_climate_figures_equal_a_recomputation_from_the_released_round_histograms(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    table = cells_of(headline(demo_client, programme), "climate-figures")
    with demo_world.db.sessions() as session:
        before, latest = climate_rounds(session, programme)[-2:]
        now = {q: round_histogram(session, programme, q, latest.id) for q in ITEMS}
        then = {q: round_histogram(session, programme, q, before.id) for q in ITEMS}
        enps_now = round_histogram(session, programme, "recommend_firm", latest.id)
        enps_then = round_histogram(session, programme, "recommend_firm", before.id)
    labels = [label for label in table if label != "Score"]
    assert len(labels) == 7 and labels[0].startswith("Climate index")
    for label, key in zip(labels[1:6], ITEMS, strict=True):
        text, share = favourable_text(now[key])
        _, share_then = favourable_text(then[key])
        assert table[label][0] == text, key
        assert table[label][1] == f"{share - share_then:+.0f} pts (was {share_then:.0f}%)", key
    text, score = net_text(enps_now)
    _, score_then = net_text(enps_then)
    assert table[labels[6]] == [text, f"{score - score_then:+.0f} pts (was {score_then:+.0f})"]

    def index(histograms: dict[str, Counter[float]]) -> float:
        means = [sum(v * c for v, c in h.items()) / sum(h.values()) for h in histograms.values()]
        return sum(means) / len(means)

    change = round(index(now) - index(then), 2) + 0.0
    assert table[labels[0]] == [f"{index(now):.2f}", f"{change:+.2f} (was {index(then):.2f})"]


def test_pulse_figures_equal_a_recomputation_from_the_disclosed_cells(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    """Every pulse row is shown as of one month (issue 22), from the cells the pulse page
    adds up; a row hidden in that month says so, never an older month of its own."""
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    page = headline(demo_client, programme)
    policy = disclosure.Policy(K)
    periods: set[str] = set()
    shown = 0
    with demo_world.db.sessions() as session:
        for role, survey in PULSE_FOR_ROLE.items():
            table = cells_of(page, f"pulse-{role}-figures")
            cells = [
                c
                for c in candidate_cells(session, programme, policy, survey_key=survey, whole=True)
                if c.period_kind == "month"
            ]
            months: dict[str, dict[str, Counter[float]]] = {}
            for c in cells:
                month = months.setdefault(c.question_key, {}).setdefault(c.period, Counter())
                for value, count in c.released_histogram.items():
                    month[float(value)] += count
            checked = 0
            for label, (latest, change) in table.items():
                if label.startswith("Score"):
                    continue
                key = "recommend_programme" if label.startswith("Recommend") else None
                key = key or label.lower().replace(" ", "_")
                period = latest.split()[-1]
                periods.add(period)
                year, number = (int(part) for part in period.split("-"))
                previous = f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"
                assert f"{previous}:" in change, (role, label)
                checked += 1
                if latest.startswith("suppressed"):
                    continue
                histogram = months[key][period]
                n = sum(histogram.values())
                if "net score" in label:
                    expected, _ = net_text(histogram)
                elif "mean" in label:
                    expected = f"{sum(v * c for v, c in histogram.items()) / n:.2f}"
                else:  # the pulse page's rule: its shares of 4 and 5 added
                    expected, _ = favourable_text(histogram, sides=False)
                assert latest == f"{expected} {period}", (role, label)
                shown += 1
            assert checked == 5
    (as_of,) = periods
    assert f"As of {as_of}" in page and shown


def test_each_sentence_is_the_one_its_linked_comparison_page_shows(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    page = headline(demo_client, programme)
    findings = re.search(r'<section class="card card-findings".*?</section>', page, re.S)
    assert findings
    sentences = re.findall(
        r'<p class="finding-sentence">\s*(.*?)\s*</p>.*?<a href="([^"]+)"', findings[0], re.S
    )
    assert len(sentences) == 11  # every comparison of the demo's (default) plan
    # The planted before/after effect comes out clear (its exact p moves with the demo's draw).
    clear = re.compile(r"\(p (?:= 0\.0[0-4]\d*|< 0\.001)\)")
    assert any(clear.search(s) and "participants" in s.lower() for s, _ in sentences)
    for sentence, href in sentences:
        target = html_lib.unescape(href)
        assert target.startswith(f"/dashboard/programmes/{programme}/compare?")
        detail = demo_client.get(target)
        assert detail.status_code == 200
        shown = text_of(detail.get_data(as_text=True))
        words = text_of(sentence)
        # The headline capitalises the first letter; its p is the engine's own (the plan's
        # correction is beside it, not in the sentence).
        assert words[1:] in shown, words


def test_the_sentences_read_the_right_way_round_with_their_scale(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    """Before/after runs from the first round to the latest by date, its direction is the
    one its own averages give, and both kinds of sentence name the answer scale."""
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    page = headline(demo_client, programme)
    findings = re.search(r'<section class="card card-findings".*?</section>', page, re.S)
    assert findings
    words = text_of(findings[0])
    assert "scored" in words and " points higher on a 1–5 scale than " in words
    with demo_world.db.sessions() as session:
        rounds = climate_rounds(session, programme)
    first, latest = rounds[0].label, rounds[-1].label
    did = re.search(
        rf"from round '{first}' to round '{latest}' on [^:]+: participants' average went "
        r"from ([\d.]+) to ([\d.]+) and the comparison group's from ([\d.]+) to ([\d.]+), "
        r"so participants' scores changed ([\d.]+) points (more|less) on a 1–5 scale than",
        words,
    )
    assert did, words
    before, after, c_before, c_after, change = (float(did[i]) for i in range(1, 6))
    difference = (after - before) - (c_after - c_before)
    assert did[6] == ("more" if difference >= 0 else "less")
    assert change == pytest.approx(abs(difference), abs=0.011)  # from rounded averages


def test_every_figure_links_to_a_detail_page_that_answers(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    page = headline(demo_client, programme)
    cards = page[page.index('<div class="cards">') :]
    links = {html_lib.unescape(h) for h in re.findall(r'<a href="([^"]+)"', cards)}
    pages = {link.split("?")[0].split("#")[0].rsplit("/", 1)[-1] for link in links}
    assert pages == {"pulse", "compare", "plan", str(programme)}  # the last: the overview
    for link in links:
        path, _, anchor = link.partition("#")
        response = demo_client.get(path)
        assert response.status_code == 200, link
        assert f'id="{anchor}"' in response.get_data(as_text=True), link


def test_response_rates_are_the_overviews(demo_client: FlaskClient, demo_world: DemoWorld) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    rates = cells_of(headline(demo_client, programme), "headline-rates")
    overview = demo_client.get(f"/dashboard/programmes/{programme}").get_data(as_text=True)
    detail = cells_of(overview, "response-rates")
    # Invitations answered and the rate, as the overview's first two columns (the overview
    # also lists the responses released so far).
    assert {role: cells for role, cells in rates.items() if role != "Role"} == {
        role: cells[:2] for role, cells in detail.items() if role != "Role"
    }
    assert set(rates) == {"Role", "Mentors", "Mentees", "Comparison group", "All roles"}


def test_a_lead_of_another_firm_gets_404(demo_client: FlaskClient, demo_world: DemoWorld) -> None:
    sign_in_demo(demo_client, demo_world, "lead2@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    assert demo_client.get(f"/dashboard/programmes/{programme}/headline").status_code == 404


def test_every_dashboard_page_has_the_programme_bar_and_breadcrumbs(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    names = {
        "headline": "Headline",
        "": "Overview",
        "pulse": "Pulse trends",
        "compare": "Compare groups",
        "retention": "Retention and promotion",
    }
    for path, label in names.items():
        url = f"/dashboard/programmes/{programme}{'/' + path if path else ''}"
        html = demo_client.get(url).get_data(as_text=True)
        bar = re.search(
            r'<nav class="programme-nav" aria-label="Programme pages">(.*?)</nav>', html, re.S
        )
        assert bar, url
        assert re.findall(r'aria-current="page">([^<]+)</a>', bar[1]) == [label], url
        crumbs = re.search(
            r'<nav class="breadcrumbs" aria-label="Breadcrumb">(.*?)</nav>', html, re.S
        )
        assert crumbs, url
        trail = [text_of(c).strip() for c in re.findall(r"<li>(.*?)</li>", crumbs[1])]
        expected = ["Programmes", "Reverse Mentoring Pilot"] + (
            [] if path == "headline" else [label]
        )
        assert trail == expected, url
    listing = demo_client.get("/dashboard/").get_data(as_text=True)
    assert f'href="/dashboard/programmes/{programme}/headline">Reverse Mentoring Pilot<' in listing


@pytest.mark.parametrize(
    "histogram,shown",
    [
        ({4: 6, 5: 6}, False),  # everyone favourable: "100%" would tell each answer
        ({2: 1, 3: 2, 4: 6, 5: 2}, False),  # 3 not favourable: fewer than k
        ({2: 3, 3: 3, 4: 6, 5: 2}, True),
    ],
)
def test_a_share_favourable_needs_k_on_each_side(histogram: dict[int, int], shown: bool) -> None:
    value, interval = share_favourable(
        Counter({float(v): c for v, c in histogram.items()}), disclosure.Policy(K)
    )
    assert value.shown is shown and (interval is not None) is shown
    if not shown:
        assert value == disclosure.Policy(K).too_few()


def test_a_net_score_needs_k_outside_its_largest_group() -> None:
    policy = disclosure.Policy(K)
    assert net(Counter({9.0: 8, 10.0: 4, 3.0: 4}), policy)[0] == policy.too_few()
    value, interval = net(Counter({9.0: 8, 7.0: 3, 3.0: 4}), policy)
    assert value == disclosure.Shown(100 * (8 - 4) / 15, 15) and interval is not None


def test_a_suppressed_month_shows_the_small_group_wording_and_no_number(
    client: FlaskClient, sqlite_db: Database
) -> None:
    world = build_world(sqlite_db)
    with sqlite_db.transaction() as session:
        programme = session.get(Programme, world["programme"])
        assert programme is not None
        # February: every one of the 11 answers favourable, split 4/5. The pulse page shows
        # the bars (55% and 45%), so the headline shows their sum: one rule for one figure.
        session.add(question_cell(programme, {"4": 6, "5": 5}))
        # March: all but two answered 4 -- hidden on the page and on the headline alike --
        # while another item is shown in March, so the headline is as of March.
        session.add(question_cell(programme, {"4": 9, "2": 2}, period="2026-03"))
        session.add(
            question_cell(
                programme, {"4": 5, "2": 5}, period="2026-03", question_key="mentee_engaged"
            )
        )
    sign_in(client, "lead@example.com")
    page = headline(client, world["programme"])
    assert "As of 2026-03" in page
    figures = cells_of(page, "pulse-mentor-figures")
    latest, change = figures["Spoke openly"]
    wording = disclosure.Policy(K).too_few().reason
    assert latest == f"{wording} 2026-03"
    assert "%" not in latest and "100" not in latest
    assert change == "2026-02: 100%"  # the month before, as the pulse page shows it
    assert figures["Mentee engaged"][0].startswith("50% ")
    pulse = client.get(f"/dashboard/programmes/{world['programme']}/pulse").get_data(as_text=True)
    assert "suppressed (fewer than 5)" == wording and "45%" in pulse
    # The page says why, in plain words, and when the figure may appear.
    assert "Not enough people yet" in page and "roughly 5 more people" in page
