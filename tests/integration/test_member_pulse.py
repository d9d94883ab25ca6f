"""A member firm's lead reads their own people's pulse trends of a shared programme (issue 17).

The world is the one of tests/integration/test_cross_organisation.py: Alder owns
"Across the Bar", Birch and Cedar are members (k=3 each). Each lead's shared page
shows the pulse trends of their own firm's people only, at that firm's k, from that
firm's disclosed cells; the coordinator keeps the pooled table; an outsider gets 404.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from surveys import disclosure
from surveys.db.models import Firm, Programme
from surveys.db.session import Database
from surveys.reports.pulse import PulseReport, member_pulse_report
from surveys.reports.released_cells import disclosed_cells
from surveys.services.programmes import enrol
from tests.integration.test_cross_organisation import World, _signed_in, api, build
from tests.support import factories as f

__all__ = ["api"]  # the fixture, shared with the cross-organisation tests


def _report(db: Database, world: World, firm: str, default_k: int = 5) -> PulseReport:
    with db.sessions() as session:
        programme = session.get_one(Programme, world.programme)
        return member_pulse_report(session, programme, world.firms[firm], default_k)


def _trend(report: PulseReport, title: str, key: str) -> Any:
    (trend,) = [t for t in report.likert if t.survey_title == title and t.question_key == key]
    return trend


def _recomputed_shares(
    db: Database, world: World, firm: str, survey_key: str, question_key: str
) -> dict[str, tuple[float, ...]]:
    """period -> shares of answers 1..5, summed from the firm's own disclosed month cells."""
    with db.sessions() as session:
        cells = disclosed_cells(
            session,
            world.programme,
            disclosure.Policy(3),
            survey_key=survey_key,
            firm_ids=(world.firms[firm],),
        )
    months: dict[str, dict[int, int]] = {}
    for cell in cells:
        if cell.question_key == question_key and cell.period_kind == "month":
            month = months.setdefault(cell.period, {})
            for value, count in cell.released_histogram.items():
                month[int(value)] = month.get(int(value), 0) + count
    return {
        period: tuple(100.0 * counts.get(v, 0) / sum(counts.values()) for v in range(1, 6))
        for period, counts in months.items()
    }


def _shown_people(report: PulseReport) -> set[int]:
    """Every n behind a shown Likert month or 0-10 mean of the report."""
    found = {m.n.n for t in report.likert for m in t.months if isinstance(m.n, disclosure.Shown)}
    return found | {
        s.mean.n for t in report.scores for s in t.months if isinstance(s.mean, disclosure.Shown)
    }


def test_a_member_lead_gets_their_own_firms_pulse_figures_from_its_own_cells(
    db: Database,
) -> None:
    world = build(db, spread_mentees=True)
    alder, birch = _report(db, world, "alder"), _report(db, world, "birch")
    assert alder.policy.k == birch.policy.k == 3  # each firm's own k, not the default 5
    spoke = _trend(alder, "Mentors' pulse", "spoke_openly")
    shown = {m.period: m.shares for m in spoke.months if m.shares}
    assert shown and shown == _recomputed_shares(db, world, "alder", "mentor_pulse", "spoke_openly")
    assert all(m.n == disclosure.Shown(5, 5) for m in spoke.months if m.shares)
    # Alder's five mentors and five mentees, never Birch's seven mentees nor the pooled twelve.
    assert _shown_people(alder) == {5}
    assert _shown_people(birch) == {7}
    will_act = _trend(birch, "Mentees' pulse", "will_act")
    assert {m.n.n for m in will_act.months if isinstance(m.n, disclosure.Shown)} == {7}
    # Birch's mentors all answered 4: withheld from Birch's lead as from the API.
    assert not any(m.shares for m in _trend(birch, "Mentors' pulse", "spoke_openly").months)
    assert alder.comments == [] and birch.comments == []


def test_a_figure_resting_on_fewer_than_the_members_k_people_is_suppressed(
    db: Database,
) -> None:
    world = build(db, spread_mentees=True)
    assert _shown_people(_report(db, world, "birch")) == {7}  # at Birch's k=3
    with db.transaction() as session:
        birch = session.get_one(Firm, world.firms["birch"])
        birch.min_group_size = 8
        # An eighth Birch mentee enrolled who never answered: eight enrolled, seven answered.
        enrol(session, world.programme, f.person(session, birch, level="partner").id, "mentee")
    report = _report(db, world, "birch")
    assert report.policy.k == 8
    assert report.withheld == [  # the mentees' pulse is not withheld: eight are enrolled
        "Mentors' pulse: not shown, as fewer than 8 mentors are enrolled and "
        "their session pulses could describe single pairings."
    ]
    mentee_months = [m.n for t in report.likert for m in t.months]
    mentee_months += [m.mean for t in report.scores for m in t.months]
    # Every figure rests on seven people, fewer than Birch's k=8: none is shown.
    assert not any(result.shown for result in mentee_months)
    assert _shown_people(report) == set()
    cedar = _report(db, world, "cedar")  # two mentors, no mentee: fewer than Cedar's k=3
    assert _shown_people(cedar) == set() and len(cedar.withheld) == 2


def _responses(page: str, table: str) -> list[str]:
    """The Responses column of one table of the shared page."""
    body = page.split(f'<table id="{table}">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr><th scope="row">[^<]*</th><td>([^<]*)</td>', body)


def test_the_shared_page_shows_each_member_lead_their_own_pulse_and_nobody_elses(
    api: Flask, db: Database
) -> None:
    world = build(db, spread_mentees=True)
    page = f"/dashboard/programmes/{world.programme}/shared"
    birch = _signed_in(api, "lead_birch").get(page)
    assert birch.status_code == 200
    text = birch.get_data(as_text=True)
    assert "Birch &amp; Co: pulse trends" in text and "Alder LLP: pulse trends" not in text
    report = _report(db, world, "birch")
    index = report.likert.index(_trend(report, "Mentees' pulse", "will_act")) + 1
    assert set(_responses(text, f"pulse-1-trend-{index}")) == {"7"}
    alder = _signed_in(api, "lead_alder").get(page).get_data(as_text=True)
    assert "Alder LLP: pulse trends" in alder and "Birch &amp; Co: pulse trends" not in alder
    assert "<td>20%</td>" in alder  # Alder's mentors spread over the five answers
    cedar = _signed_in(api, "lead_cedar").get(page).get_data(as_text=True)
    assert "fewer than 3 mentors are enrolled" in cedar
    coordinator = _signed_in(api, "coordinator").get(page).get_data(as_text=True)
    assert "pulse trends" not in coordinator  # the pooled view keeps its table only
    assert _signed_in(api, "lead_dunlin").get(page).status_code == 404
