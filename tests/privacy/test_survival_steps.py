"""A lead reads the Kaplan–Meier curves and counts the people behind each step.

A step from 100% to 98.7% of 78 is one person leaving: with the HR file's dates
of joining the programme, that names who left. Every step a curve shows (the
page's chart and table, its CSV download) must rest on at least k events; a
month with fewer is merged with the next (a life table), and the tail of
fewer than k events after the last step is not shown at all. And nothing safe
is hidden: every event before the last shown step is in a shown step, and no
shown step could have been split into two of at least k events each.

There is no JSON API for the curves; the CSV downloads are their machine form.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.db.models import Firm, Programme
from surveys.reports.retention import SPLITS, SurvivalView, person_times, survival_view
from surveys.settings import Settings
from tests.integration.test_dashboard_compare import sign_in_demo
from tests.privacy.summary import record
from tests.support.demo_world import DEMO_TODAY, DemoWorld

K = 5
OUTCOMES = ("retention", "promotion")


def events_between(times: list[float], events: list[int], after: int, until: int) -> int:
    return sum(e for t, e in zip(times, events, strict=True) if after < int(t) <= until)


def check_steps(
    view: SurvivalView, data: dict[str, tuple[list[float], list[int]]], k: int
) -> list[int]:
    """The people behind each shown drop of ``view`` (asserting nothing safe is hidden)."""
    drops = []
    for group, (times, events) in data.items():
        points = [p for p in view.points if p.group == group]
        assert points[0].month == 0 and points[0].estimate == 1.0  # the curve's start
        previous = -1
        for before, point in zip(points, points[1:], strict=False):
            people = events_between(times, events, previous, point.month)
            if point.estimate < before.estimate:
                drops.append(people)
            else:
                assert people == 0  # a flat stretch holds no event
            # As fine as it can be: no earlier month closes a step of k events, except
            # where the step is stretched to the "within" month (its share must not
            # differ from the curve by a few people).
            if point.month != view.months:
                for month in range(previous + 1, point.month):
                    assert events_between(times, events, previous, month) < k, (group, month)
            previous = point.month
        followed = max((m for m in range(200) if sum(t >= m for t in times) >= k), default=-1)
        tail = events_between(times, events, previous, followed)
        assert tail < k, (group, previous, tail)  # only a tail of fewer than k is not shown
        assert (tail > 0) == (group in view.notes)
    return drops


@pytest.fixture
def lead(demo_world: DemoWorld, make_settings: Callable[..., Settings]) -> Iterator[FlaskClient]:
    from webapp import create_app

    settings = make_settings(database_url=demo_world.db.url)
    app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": demo_world.db}, settings=settings)
    client = app.test_client()
    sign_in_demo(client, demo_world, "lead@example.com")
    yield client


def test_no_step_of_a_survival_curve_is_a_drop_of_fewer_than_k_people(
    demo_world: DemoWorld,
) -> None:
    small: list[int] = []
    drops: list[int] = []
    with demo_world.db.sessions() as session:
        for programme in session.scalars(select(Programme).order_by(Programme.id)):
            k = session.get_one(Firm, programme.firm_id).min_group_size or K
            for outcome in OUTCOMES:
                for split, groups in SPLITS.items():
                    view = survival_view(session, programme, outcome, split, K, DEMO_TODAY)
                    if view.refused:
                        continue
                    data = {
                        group: person_times(session, programme, outcome, roles, DEMO_TODAY)
                        for group, roles in groups.items()
                    }
                    found = check_steps(view, data, k)
                    drops += found
                    small += [n for n in found if n < k]
    record("Kaplan-Meier steps read as people", sum(small), sum(drops))
    assert len(drops) >= 20  # the demo's curves do show steps
    assert small == [], small


def csv_rows(client: FlaskClient, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))[1:]


def test_the_page_and_its_csv_show_exactly_the_merged_steps(
    demo_world: DemoWorld, lead: FlaskClient
) -> None:
    with demo_world.db.sessions() as session:
        programme = session.scalars(
            select(Programme).join(Firm).where(Firm.slug == "harcourt-vale").order_by(Programme.id)
        ).first()
        assert programme is not None
        programme_id = programme.id
    today = date.today()  # what the page reads as the data date
    base = f"/dashboard/programmes/{programme_id}/retention"
    page = lead.get(base).get_data(as_text=True)
    downloads = {o: csv_rows(lead, f"{base}/charts/km-{o}.csv") for o in OUTCOMES}
    with demo_world.db.sessions() as session:
        programme = session.get_one(Programme, programme_id)
        k = session.get_one(Firm, programme.firm_id).min_group_size or K
        for outcome in OUTCOMES:
            view = survival_view(session, programme, outcome, "participants", K, today)
            assert view.refused is None
            data = {
                group: person_times(session, programme, outcome, roles, today)
                for group, roles in SPLITS["participants"].items()
            }
            assert all(n >= k for n in check_steps(view, data, k))
            shown = [(r[1], r[2]) for r in downloads[outcome]]
            assert shown == [(str(p.month), f"{100 * p.estimate:.1f}%") for p in view.points]
            for _, estimate in shown:
                assert estimate in page
            for note in view.notes.values():
                assert note in page
    assert f"Each step rests on at least {k} people" in page


def test_a_month_of_k_events_is_a_step_of_its_own_and_a_lone_leaver_is_merged() -> None:
    """The life table on a small made-up group: 3 leave in month 1, 2 in month 2 (one
    step of 5 at month 2), 5 in month 4 (a step of its own), 1 in month 6 (a tail of one,
    not shown)."""
    from surveys.reports.retention import life_table

    times = [1.0] * 3 + [2.0] * 2 + [4.0] * 5 + [6.0] + [9.0] * 20
    events = [1] * 11 + [0] * 20
    assert life_table(times, events, K, followed=9, cut=12) == ([2, 4], 1)
    # The "within 6 months" share ends a step at 6: the lone leaver joins the step before.
    assert life_table(times, events, K, followed=9, cut=6) == ([2, 6], 0)
    # Fewer than k events in all: no step, and the three are the unshown tail.
    assert life_table(times[:3], events[:3], K, followed=1, cut=12) == ([], 3)
