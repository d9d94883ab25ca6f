"""The retention and pulse pages on the demo, against an independent recomputation.

Nothing here calls the statistics engine or the report modules that build the
pages. Retention: months followed, Kaplan-Meier steps, Greenwood's log-scale
interval and the log-rank chi-square are written out by hand from the HR rows
(people, enrolments, promotions) and compared with the page's CSV and table.
Pulse: each month's shares and 0-10 mean (with its t interval, SciPy's t) are
recomputed from the released histograms of the cells disclosure control lets
through, and compared with the page's tables.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from scipy import stats
from sqlalchemy import select

from surveys import disclosure
from surveys.db.models import Enrolment, Person, Programme, Promotion
from surveys.definitions import PULSE_FOR_ROLE, catalogue
from surveys.reports.released_cells import candidate_cells
from surveys.settings import Settings
from tests.integration.test_dashboard_compare import programme_of, sign_in_demo
from tests.integration.test_dashboard_headline import cells_of
from tests.support.demo_world import DemoWorld

K = 5
Z = 1.959963984540054
GROUPS = {"Participants": ("mentor", "mentee"), "Comparison group": ("comparison",)}


@pytest.fixture
def demo_client(demo_world: DemoWorld, make_settings: Callable[..., Settings]) -> Iterator[Any]:
    from webapp import create_app

    settings = make_settings(database_url=demo_world.db.url)
    app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": demo_world.db}, settings=settings)
    yield app.test_client()


def _followed(
    world: DemoWorld, programme: int, roles: tuple[str, ...], outcome: str, today: date
) -> list[tuple[int, int]]:
    """(whole months followed, 1 if the event happened) per person, from the HR rows."""
    with world.db.sessions() as session:
        firm = session.get_one(Programme, programme).firm_id
        people = session.execute(
            select(Person.id, Enrolment.enrolled_on, Person.left_on)
            .join(Enrolment, Enrolment.person_id == Person.id)
            .where(Enrolment.programme_id == programme, Enrolment.role.in_(roles))
            .where(Person.firm_id == firm)
        ).all()
        promoted: dict[int, list[date]] = {}
        for person, day in session.execute(select(Promotion.person_id, Promotion.promoted_on)):
            promoted.setdefault(person, []).append(day)
    found = []
    for person, start, left in people:
        if start > today or (left is not None and left < start):
            continue
        gone = left if left is not None and left <= today else None
        end, event = (gone, 1) if gone is not None else (today, 0)
        if outcome == "promotion":
            stop = gone or today
            later = sorted(d for d in promoted.get(person, []) if start < d <= stop)
            end, event = (later[0], 1) if later else (stop, 0)
        found.append((int(max((end - start).days, 0) // 30.4375), event))
    return found


def _kaplan_meier(
    followed: list[tuple[int, int]], month: int
) -> tuple[float, float | None, float | None]:
    """S(month) and its 95% log-log ("exponential Greenwood") interval, None where undefined."""
    estimate, greenwood = 1.0, 0.0
    for t in sorted({t for t, e in followed if e}):
        if t > month:
            break
        at_risk = sum(1 for u, _ in followed if u >= t)
        died = sum(1 for u, e in followed if u == t and e)
        estimate *= 1 - died / at_risk
        if at_risk > died:
            greenwood += died / (at_risk * (at_risk - died))
    if not 0 < estimate < 1:
        return estimate, None, None
    half = Z * math.sqrt(greenwood) / abs(math.log(estimate))
    return estimate, estimate ** math.exp(half), estimate ** math.exp(-half)


def _log_rank(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> tuple[float, float]:
    """The log-rank chi-square (1 df) of two groups and its p, by hand."""
    observed = expected = variance = 0.0
    for t in sorted({t for t, e in a + b if e}):
        n_a = sum(1 for u, _ in a if u >= t)
        n = n_a + sum(1 for u, _ in b if u >= t)
        d_a = sum(1 for u, e in a if u == t and e)
        d = d_a + sum(1 for u, e in b if u == t and e)
        observed += d_a
        expected += d * n_a / n
        if n > 1:
            variance += d * (n_a / n) * (1 - n_a / n) * (n - d) / (n - 1)
    chi2 = (observed - expected) ** 2 / variance
    return chi2, float(stats.chi2.sf(chi2, 1))


def _life_table(people: list[tuple[int, int]], last: int, within: int = 12) -> list[int]:
    """The months a curve is drawn at: its start, then each month by which at least k
    events have happened since the last step (the 12-month share closes a step), and the
    last month followed when no event came after the last step."""
    steps: list[int] = []
    pending = 0
    for month in range(last + 1):
        pending += sum(1 for t, e in people if e and t == month)
        if pending >= K:
            steps.append(month)
            pending = 0
        elif month == within and pending and steps:
            steps[-1], pending = month, 0
    if not pending and last > (steps[-1] if steps else 0):
        steps.append(last)
    return [0, *steps]


@pytest.mark.parametrize("outcome", ["retention", "promotion"])
def test_retention_page_numbers_equal_a_recomputation_from_the_hr_rows(
    demo_client: FlaskClient, demo_world: DemoWorld, outcome: str
) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    base = f"/dashboard/programmes/{programme}/retention"
    today = date.today()  # the page's own day
    html = demo_client.get(base).get_data(as_text=True)
    body = demo_client.get(f"{base}/charts/km-{outcome}.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[1:]
    followed = {g: _followed(demo_world, programme, r, outcome, today) for g, r in GROUPS.items()}
    for group, people in followed.items():
        mine = [r for r in rows if r[0] == group]
        months = [int(r[1]) for r in mine]
        # Drawn from month 0 while at least k of the group are still followed, no further,
        # in steps of at least k events each (a life table), from the curve's start.
        last = max(m for m in range(200) if sum(1 for t, _ in people if t >= m) >= K)
        assert months == _life_table(people, last), group
        assert mine[0][1:] == ["0", "100.0%", "", ""]
        for _, month, shown, low, high in mine[1:]:
            estimate, lo, hi = _kaplan_meier(people, int(month))
            assert shown == f"{100 * estimate:.1f}%", (group, month)
            if lo is not None and hi is not None:
                assert (low, high) == (f"{100 * lo:.1f}%", f"{100 * hi:.1f}%"), (group, month)
    table = cells_of(html, f"{outcome}-test")
    for group, people in followed.items():
        row = table[group.lower()]  # the table names groups as the engine does
        assert row[0] == f"{len(people):,}"
        within = 100 * (1 - _kaplan_meier(people, 12)[0])
        steps = [m for m in _life_table(people, 12)[1:] if m <= 12]
        quiet = not any(e for t, e in people if (steps[-1] if steps else -1) < t <= 12)
        if sum(1 for t, _ in people if t >= 12) >= K and quiet:
            assert row[1] == f"{within:.1f}%"
        else:
            assert row[1].startswith("suppressed")
    chi2, p = _log_rank(*followed.values())
    assert table["Log-rank"][0].startswith(f"χ² = {chi2:.2f}, df 1, ")
    shown_p = re.search(r"p [=<] ([\d.e-]+)", table["Log-rank"][0])
    assert shown_p, table["Log-rank"]
    if "p <" not in table["Log-rank"][0]:
        assert float(shown_p[1]) == pytest.approx(p, abs=0.0051)


def test_pulse_page_numbers_equal_a_recomputation_from_every_released_cell(
    demo_client: FlaskClient, demo_world: DemoWorld
) -> None:
    sign_in_demo(demo_client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    html = demo_client.get(f"/dashboard/programmes/{programme}/pulse").get_data(as_text=True)
    policy = disclosure.Policy(K)
    likert = scores = checked = 0
    with demo_world.db.sessions() as session:
        for survey in PULSE_FOR_ROLE.values():
            definition = catalogue().current(survey)
            cells = [
                c
                for c in candidate_cells(session, programme, policy, survey_key=survey, whole=True)
                if c.period_kind == "month" and c.survey_version == definition.version
            ]
            for question in definition.questions:
                months: dict[str, Counter[int]] = {}
                for c in cells:
                    if c.question_key == question.key:
                        month = months.setdefault(c.period, Counter())
                        for value, count in c.released_histogram.items():
                            month[int(value)] += count
                if question.type == "likert5":
                    likert += 1
                    table = cells_of(html, f"trend-{likert}-table")
                    for period, row in table.items():
                        if period not in months or row[0].startswith("suppressed"):
                            continue
                        counts = months[period]
                        n = sum(counts.values())
                        shares = [f"{100 * counts[v] / n:.0f}%" for v in range(1, 6)]
                        assert row == [f"{n:,}", *shares], (survey, question.key, period)
                        checked += 1
                elif question.type == "scale0_10":
                    scores += 1
                    table = cells_of(html, f"score-{scores}-table")
                    for period, row in table.items():
                        if period not in months or row[0].startswith("suppressed"):
                            continue
                        counts = months[period]
                        n = sum(counts.values())
                        mean = sum(v * c for v, c in counts.items()) / n
                        sd = math.sqrt(
                            sum(c * (v - mean) ** 2 for v, c in counts.items()) / (n - 1)
                        )
                        half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
                        low, high = max(mean - half, 0.0), min(mean + half, 10.0)
                        assert row == [f"{n:,}", f"{mean:.1f}", f"{low:.1f} to {high:.1f}"], (
                            survey,
                            period,
                        )
                        checked += 1
    assert checked >= 10  # the demo shows months of both pulses
