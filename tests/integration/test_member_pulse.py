"""A member firm's lead reads their own people's pulse trends of a shared programme (issue 17).

The world is the one of tests/integration/test_cross_organisation.py: Alder owns
"Across the Bar", Birch and Cedar are members (k=3 each). Each lead's shared page
shows the pulse trends of their own firm's people only, at that firm's k, from that
firm's disclosed cells; the coordinator gets the whole programme's pulse trends
pooled from the cells each member's lead is shown, never split by member; an
outsider gets 404.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import delete, select

from surveys import disclosure
from surveys.db.models import Enrolment, Firm, Person, Programme
from surveys.db.session import Database
from surveys.reports.pulse import PulseReport, member_pulse_report, pooled_pulse_report
from surveys.reports.released_cells import candidate_cells
from surveys.services.members import member_firm_ids
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


def _pooled(db: Database, world: World, default_k: int = 5) -> PulseReport:
    with db.sessions() as session:
        programme = session.get_one(Programme, world.programme)
        members = member_firm_ids(session, programme)
        return pooled_pulse_report(session, programme, members, default_k)


def _recomputed_shares(
    db: Database, world: World, firms: tuple[str, ...], survey_key: str, question_key: str
) -> dict[str, tuple[float, ...]]:
    """period -> shares of answers 1..5, summed from every released month cell of the firms."""
    with db.sessions() as session:
        cells = [
            cell
            for firm in firms
            for cell in candidate_cells(
                session,
                world.programme,
                disclosure.Policy(3),
                survey_key=survey_key,
                firm_ids=(world.firms[firm],),
                whole=True,
            )
        ]
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
    assert shown and shown == _recomputed_shares(
        db, world, ("alder",), "mentor_pulse", "spoke_openly"
    )
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
    assert "whole programme (pooled)" not in birch.get_data(as_text=True) + alder + cedar
    assert _signed_in(api, "lead_dunlin").get(page).status_code == 404


def test_the_coordinator_gets_the_programmes_pulse_pooled_from_the_members_shown_cells(
    db: Database,
) -> None:
    world = build(db, spread_mentees=True)
    pooled = _pooled(db, world)
    assert pooled.policy.k == 3  # the largest k of the members (all three have k=3)
    assert pooled.withheld == [] and pooled.comments == []
    will_act = _trend(pooled, "Mentees' pulse", "will_act")
    shown = {m.period: m.shares for m in will_act.months if m.shares}
    # Alder's five mentees and Birch's seven, added: the pool judged as one.
    both = _recomputed_shares(db, world, ("alder", "birch"), "mentee_pulse", "will_act")
    assert shown and shown == both
    assert shown != _recomputed_shares(db, world, ("birch",), "mentee_pulse", "will_act")
    assert {m.n.value for m in will_act.months if isinstance(m.n, disclosure.Shown)} == {12}
    means = [m.mean for t in pooled.scores for m in t.months]
    assert means and {m.n for m in means if isinstance(m, disclosure.Shown)} == {12}


def test_pool_minus_a_member_on_the_page_never_singles_out_another_members_group(
    db: Database,
) -> None:
    """Birch's five mentors all answered "spoke_openly" 4 (withheld from Birch's lead), and
    Cedar's two mentors are fewer than Cedar's k (Cedar adds nothing to the mentors' pool).
    The pool is judged as one (issue 22): the pool minus Alder's own figure would be
    Birch's five 4s, so the pooled mentors' months are hidden; Alder's lead still sees
    Alder's."""
    world = build(db, spread_mentees=True)
    pooled, alder = _pooled(db, world), _report(db, world, "alder")
    spoke = _trend(pooled, "Mentors' pulse", "spoke_openly")
    assert not any(m.shares or m.n.shown for m in spoke.months)
    assert any(m.shares for m in _trend(alder, "Mentors' pulse", "spoke_openly").months)
    # At a member's larger k the pool is decided at that k.
    with db.transaction() as session:
        session.get_one(Firm, world.firms["cedar"]).min_group_size = 6
    pooled = _pooled(db, world)
    assert pooled.policy.k == 6
    assert not any(m.shares for m in _trend(pooled, "Mentors' pulse", "spoke_openly").months)
    assert any(
        m.shares
        for m in _trend(_report(db, world, "alder"), "Mentors' pulse", "spoke_openly").months
    )


def test_the_shared_page_shows_the_coordinator_the_pooled_pulse_and_no_member_on_its_own(
    api: Flask, db: Database
) -> None:
    world = build(db, spread_mentees=True)
    page = f"/dashboard/programmes/{world.programme}/shared"
    coordinator = _signed_in(api, "coordinator").get(page)
    assert coordinator.status_code == 200
    text = coordinator.get_data(as_text=True)
    assert "Pulse trends, whole programme (pooled)" in text
    for firm in ("Alder LLP", "Birch &amp; Co", "Cedar plc Legal"):
        assert f"{firm}: pulse trends" not in text
    report = _pooled(db, world)
    will_act = report.likert.index(_trend(report, "Mentees' pulse", "will_act")) + 1
    assert set(_responses(text, f"pulse-1-trend-{will_act}")) == {"12"}
    spoke = report.likert.index(_trend(report, "Mentors' pulse", "spoke_openly")) + 1
    assert set(_responses(text, f"pulse-1-trend-{spoke}")) == set()  # pool minus Alder: 4s
    assert "Comments" not in text
    assert _signed_in(api, "coordinator_elsewhere").get(page).status_code == 404
    assert _signed_in(api, "lead_dunlin").get(page).status_code == 404


def test_a_member_whose_lead_is_not_shown_a_pulse_adds_nothing_to_the_pool(
    db: Database,
) -> None:
    """Five of Birch's mentees leave after their answers were released: two remain enrolled,
    fewer than Birch's k, so Birch's lead is not shown the mentees' pulse, and the pool of
    the mentees' pulse is Alder's five alone (not Alder's and Birch's twelve)."""
    world = build(db, spread_mentees=True)
    with db.transaction() as session:
        leaving = session.scalars(
            select(Enrolment.id)
            .join(Person, Person.id == Enrolment.person_id)
            .where(Enrolment.programme_id == world.programme)
            .where(Enrolment.role == "mentee", Person.firm_id == world.firms["birch"])
            .order_by(Enrolment.id)
            .limit(5)
        ).all()
        session.execute(delete(Enrolment).where(Enrolment.id.in_(leaving)))
    assert any("fewer than 3 mentees" in reason for reason in _report(db, world, "birch").withheld)
    will_act = _trend(_pooled(db, world), "Mentees' pulse", "will_act")
    assert {m.n.value for m in will_act.months if isinstance(m.n, disclosure.Shown)} == {5}
    shown = {m.period: m.shares for m in will_act.months if m.shares}
    assert shown == _recomputed_shares(db, world, ("alder",), "mentee_pulse", "will_act")
