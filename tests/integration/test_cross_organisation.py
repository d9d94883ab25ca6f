"""A programme that spans three organisations, end to end (issue 17).

Alder LLP owns the programme; Birch & Co and Cedar plc's in-house legal team are
members. Mentors of each firm are paired with mentees of another; meetings are
recorded, invitations issued, answers sealed through the real submission path
and mixed. Each member's lead then reads their own people's results only, at
their own k; the coordinator reads the programme pooled; a lead of a firm
outside the programme reads nothing. Cedar has fewer people than its k: their
answers stay sealed and nothing of them can be differenced out of the pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from surveys.db.models import (
    Account,
    AggregateCell,
    Enrolment,
    Firm,
    Programme,
    SealedSubmission,
)
from surveys.db.session import Database
from surveys.export.planning import count_in_scope
from surveys.reports.pooled import reader_cells
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from surveys.services.demo import DEMO_COORDINATOR
from surveys.services.errors import Conflict, Invalid, NotFound
from surveys.services.exports import Forbidden, ScopeInput, check_scope
from surveys.services.invitations import issue_pulse_invitations
from surveys.services.meetings import record_meeting
from surveys.services.members import (
    add_member,
    assign_programmes,
    member_firm_ids,
    reading_scope,
    remove_member,
)
from surveys.services.people import ImportRejected, enrol_from_rows
from surveys.services.programmes import create_pairing, enrol
from surveys.services.suggestions import programme_suggestions
from tests.support import factories as f
from tests.support.demo_world import DemoWorld
from tests.support.sealing import mix, submit_token

PASSWORD = "correct horse battery"
MENTEE_ANSWERS = {
    "gained_insight": ["4"],
    "will_act": ["4"],
    "open_and_honest": ["5"],
    "topics": ["technology"],
    "recommend_programme": ["8"],
    "comment": [""],
}
#: Alder's five mentors answer across the scale: their distribution may be shown at k=3.
ALDER_SPOKE_OPENLY = ["1", "2", "3", "4", "5"]


@dataclass(frozen=True)
class World:
    programme: int
    firms: dict[str, int]
    tokens: dict[str, str]


def _people(session: Any, firm: Firm, n: int, level: str) -> list[Any]:
    return [f.person(session, firm, level=level) for _ in range(n)]


def build(db: Database, *, spread_mentees: bool = False) -> World:
    """Three member firms (k=3 each), one outsider, cross-member pairs that met and answered.

    With ``spread_mentees`` the mentees answer "will_act" and the 0-10 item across the scale
    (else all alike, a group attribute never shown)."""
    with db.transaction() as session:
        alder = f.firm(session, name="Alder LLP", slug="alder", min_group_size=3)
        birch = f.firm(session, name="Birch & Co", slug="birch", min_group_size=3)
        cedar = f.firm(session, name="Cedar plc Legal", slug="cedar", min_group_size=3)
        outsider = f.firm(session, name="Dunlin LLP", slug="dunlin")
        programme = f.programme(session, alder, name="Across the Bar")
        add_member(session, programme.id, birch.id)
        add_member(session, programme.id, cedar.id)
        alder_mentors = _people(session, alder, 5, "associate")
        alder_mentees = _people(session, alder, 5, "partner")
        birch_mentors = _people(session, birch, 5, "associate")
        birch_mentees = _people(session, birch, 7, "partner")
        cedar_mentors = _people(session, cedar, 2, "associate")  # fewer than Cedar's k
        pairs = [
            *zip(alder_mentors, birch_mentees[:5], strict=True),
            *zip(birch_mentors, alder_mentees, strict=True),
            *zip(cedar_mentors, birch_mentees[5:], strict=True),
        ]
        held_on = date.today() - timedelta(days=1)
        answers: list[tuple[str, dict[str, list[str]]]] = []
        for i, (mentor, mentee) in enumerate(pairs):
            enrol(session, programme.id, mentor.id, "mentor")
            enrol(session, programme.id, mentee.id, "mentee")
            pairing = create_pairing(session, programme.id, mentor.id, mentee.id, held_on)
            meeting = record_meeting(session, pairing.id, held_on, "staff")
            for invitation in issue_pulse_invitations(session, meeting.id, f.SECRET, ttl_days=14):
                token = f.token_of(invitation)
                if invitation.person_id == mentee.id:
                    spread = {"will_act": [str(i % 5 + 1)], "recommend_programme": [str(i % 11)]}
                    answers.append(
                        (token, {**MENTEE_ANSWERS, **(spread if spread_mentees else {})})
                    )
                elif mentor in alder_mentors:
                    spoke = ALDER_SPOKE_OPENLY[alder_mentors.index(mentor)]
                    answers.append((token, {**f.MENTOR_ANSWERS, "spoke_openly": [spoke]}))
                else:  # Birch's (and Cedar's) mentors all gave the same answer
                    answers.append((token, f.MENTOR_ANSWERS))
        tokens: dict[str, str] = {}
        for name, role, firms in (
            ("lead_alder", "lead", [alder]),
            ("lead_birch", "lead", [birch]),
            ("lead_cedar", "lead", [cedar]),
            ("lead_dunlin", "lead", [outsider]),
            ("researcher_birch", "researcher", [birch]),
            ("coordinator", "coordinator", []),
            ("coordinator_elsewhere", "coordinator", []),
        ):
            account = create_account(session, f"{name}@example.com", PASSWORD, role, firms)
            if name == "coordinator":
                assign_programmes(session, account, [programme])
            if name == "coordinator_elsewhere":
                assign_programmes(session, account, [f.programme(session, outsider)])
            tokens[name] = create_api_token(session, account.id, "tests").secret
        firms = {"alder": alder.id, "birch": birch.id, "cedar": cedar.id}
        programme_id = programme.id
    for token, given in answers:
        with db.transaction() as session:
            submit_token(session, token, given)
    mix(db)
    return World(programme_id, firms, tokens)


@pytest.fixture
def api(db: Database, make_settings: Any) -> Iterator[Flask]:
    from webapp import create_app

    settings = make_settings(database_url=db.url)
    yield create_app(
        {"TESTING": True, "FLIPSIDE_DATABASE": db, "WTF_CSRF_ENABLED": False}, settings=settings
    )


def cells(app: Flask, world: World, who: str, **query: str) -> Any:
    response = app.test_client().get(
        "/api/v1/aggregates",
        query_string={"programme_id": world.programme, "by": "role", **query},
        headers={"Authorization": f"Bearer {world.tokens[who]}"},
    )
    return response


def heads(body: Any) -> dict[str, int]:
    """role -> people who answered (the responses cells)."""
    return {c["role"]: c["n"] for c in body["cells"] if c["question_key"] == ""}


def spoke_openly(body: Any) -> dict[str, dict[str, int]]:
    return {c["role"]: c["histogram"] for c in body["cells"] if c["question_key"] == "spoke_openly"}


def test_answers_are_mixed_and_counted_per_member_firm(db: Database) -> None:
    world = build(db)
    with db.sessions() as session:
        counted = session.execute(
            select(AggregateCell.firm_id, AggregateCell.role, func.max(AggregateCell.n))
            .where(AggregateCell.question_key == "")
            .group_by(AggregateCell.firm_id, AggregateCell.role)
        ).all()
        waiting = session.scalar(select(func.count()).select_from(SealedSubmission))
    alder, birch = world.firms["alder"], world.firms["birch"]
    assert sorted(counted) == sorted(
        [(alder, "mentor", 5), (alder, "mentee", 5), (birch, "mentor", 5), (birch, "mentee", 7)]
    )
    assert waiting == 2  # Cedar's two mentors: below Cedar's k, never stored on their own


def test_each_member_lead_reads_their_own_people_only(api: Flask, db: Database) -> None:
    world = build(db)
    alder = cells(api, world, "lead_alder")
    birch = cells(api, world, "lead_birch")
    assert alder.status_code == birch.status_code == 200
    assert heads(alder.get_json()) == {"mentor": 5, "mentee": 5}
    assert heads(birch.get_json()) == {"mentor": 5, "mentee": 7}
    expected = {str(v): 1 for v in range(1, 6)}
    assert spoke_openly(alder.get_json()) == {"mentor": expected}
    # Birch's mentors all answered 4: a group attribute, withheld from Birch's own lead.
    assert spoke_openly(birch.get_json()) == {}
    assert cells(api, world, "researcher_birch", by="role").get_json()["cells"]
    assert cells(api, world, "lead_cedar").get_json()["cells"] == []
    assert cells(api, world, "lead_dunlin").status_code == 404
    assert cells(api, world, "coordinator_elsewhere").status_code == 404


def test_the_coordinator_reads_the_programme_pooled_never_split_by_member(
    api: Flask, db: Database
) -> None:
    world = build(db)
    response = cells(api, world, "coordinator", by="gender_group")
    assert response.status_code == 200
    pooled = cells(api, world, "coordinator").get_json()
    assert heads(pooled) == {"mentor": 10, "mentee": 12}
    listing = api.test_client().get(
        "/api/v1/programmes", headers={"Authorization": f"Bearer {world.tokens['coordinator']}"}
    )
    assert [p["id"] for p in listing.get_json()["programmes"]] == [world.programme]
    member = api.test_client().get(
        "/api/v1/programmes", headers={"Authorization": f"Bearer {world.tokens['lead_birch']}"}
    )
    assert world.programme in [p["id"] for p in member.get_json()["programmes"]]


def test_pool_minus_a_member_never_singles_out_another_members_small_or_uniform_group(
    api: Flask, db: Database
) -> None:
    """The attack: the coordinator's pooled figure minus Alder's own (its lead beside the
    coordinator) must not give away Birch's withheld distribution, nor Cedar's two people."""
    world = build(db)
    pooled = cells(api, world, "coordinator").get_json()
    alder = cells(api, world, "lead_alder").get_json()
    birch = cells(api, world, "lead_birch").get_json()
    # Cedar's two mentors are in no pooled figure: pooled = Alder + Birch exactly.
    for role, n in heads(pooled).items():
        assert n == heads(alder).get(role, 0) + heads(birch).get(role, 0)
    # Birch's all-4 mentors were withheld from Birch's lead; the pool holds only what each
    # member's lead was shown, so pooled minus Alder's histogram is empty, not Birch's 5 x "4".
    left = {
        value: count - spoke_openly(alder)["mentor"].get(value, 0)
        for value, count in spoke_openly(pooled).get("mentor", {}).items()
    }
    assert not any(left.values())


def test_people_of_member_firms_only_can_be_enrolled_and_members_leave_when_empty(
    db: Database,
) -> None:
    with db.transaction() as session:
        owner, member, outsider = f.firm(session), f.firm(session), f.firm(session)
        programme = f.programme(session, owner)
        stranger = f.person(session, outsider)
        with pytest.raises(NotFound):
            enrol(session, programme.id, stranger.id, "mentor")
        add_member(session, programme.id, member.id)
        colleague = f.person(session, member)
        enrol(session, programme.id, colleague.id, "mentee")
        assert member_firm_ids(session, programme) == {owner.id, member.id}
        with pytest.raises(Invalid):
            remove_member(session, programme.id, owner.id)
        with pytest.raises(Conflict):
            remove_member(session, programme.id, member.id)
        session.delete(session.scalars(select(Enrolment)).one())
        session.flush()
        remove_member(session, programme.id, member.id)
        assert member_firm_ids(session, session.get_one(Programme, programme.id)) == {owner.id}


def test_a_member_firms_researcher_exports_their_own_people_of_the_shared_programme(
    db: Database,
) -> None:
    world = build(db)
    with db.transaction() as session:
        researcher = session.scalars(
            select(Account).where(Account.email == "researcher_birch@example.com")
        ).one()
        outsider = session.scalars(
            select(Account).where(Account.email == "lead_dunlin@example.com")
        ).one()
        outsider.role = "researcher"
        wanted = ScopeInput(programme_id=world.programme)
        scope = check_scope(session, researcher, wanted)
        assert scope.firm_ids == (world.firms["birch"],)
        assert count_in_scope(session, scope) == 12  # Birch's 5 mentors and 7 mentees
        with pytest.raises(Forbidden):
            check_scope(session, outsider, wanted)
        with pytest.raises(Forbidden):  # another member's people are not Birch's to export
            check_scope(
                session,
                researcher,
                ScopeInput(firm_ids=(world.firms["alder"],), programme_id=world.programme),
            )


def test_an_administrator_adds_and_removes_a_member_organisation_on_its_page(
    db: Database, make_settings: Any
) -> None:
    from webapp import create_app

    app = create_app(
        {"TESTING": True, "FLIPSIDE_DATABASE": db, "WTF_CSRF_ENABLED": False},
        settings=make_settings(database_url=db.url),
    )
    with db.transaction() as session:
        owner, other = f.firm(session, name="Alder LLP"), f.firm(session, name="Cedar plc Legal")
        programme_id = f.programme(session, owner).id
        create_account(session, "admin@example.com", PASSWORD, "admin")
        create_account(session, "lead@example.com", PASSWORD, "lead", [owner])
        other_id = other.id
    lead = app.test_client()
    lead.post("/auth/login", data={"email": "lead@example.com", "password": PASSWORD})
    page = f"/admin/programmes/{programme_id}/members"
    assert lead.get(page).status_code == 200
    assert lead.post(page, data={"firm_id": other_id}).status_code == 403
    client = app.test_client()
    client.post("/auth/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert "Cedar plc Legal" in client.get(page).get_data(as_text=True)  # offered
    assert client.post(page, data={"firm_id": 2**31 - 1}).status_code == 422
    assert client.post(page, data={"firm_id": other_id}).status_code == 303
    with db.sessions() as session:
        shared = session.get_one(Programme, programme_id)
        assert member_firm_ids(session, shared) == {shared.firm_id, other_id}
    removed = client.post(f"{page}/{other_id}/remove")
    assert removed.status_code == 303
    with db.sessions() as session:
        shared = session.get_one(Programme, programme_id)
        assert member_firm_ids(session, shared) == {shared.firm_id}


def test_the_demo_runs_a_programme_across_two_firms_and_an_in_house_team(
    demo_world: DemoWorld,
) -> None:
    assert demo_world.logins[DEMO_COORDINATOR].role == "coordinator"
    with demo_world.db.sessions() as session:
        coordinator = session.scalars(
            select(Account).where(Account.email == DEMO_COORDINATOR)
        ).one()
        (programme,) = coordinator.programmes
        scope = reading_scope(session, coordinator, programme.id)
        assert scope is not None and scope.pooled and len(scope.firm_ids) == 3
        members = {
            firm_id: reader_cells(session, programme, [firm_id], 5, pooled=False, by="role")
            for firm_id in scope.firm_ids
        }
        pooled = reader_cells(session, programme, scope.firm_ids, 5, pooled=True, by="role")
    assert all(members.values())  # every member, the in-house team too, has its own results
    key = attrgetter("survey_key", "question_key", "role", "period_kind", "period")
    heads = [c for c in pooled if c.question_key == ""]
    assert heads
    for cell in heads:
        parts = [c for cells in members.values() for c in cells if key(c) == key(cell)]
        assert cell.released_n == sum(c.released_n for c in parts)


def _signed_in(app: Flask, who: str) -> Any:
    client = app.test_client()
    client.post("/auth/login", data={"email": f"{who}@example.com", "password": PASSWORD})
    return client


def _answered(page: str) -> dict[tuple[str, str], int]:
    """(survey, role) -> people, from the shared page's table."""
    import re

    found = re.findall(
        r"<tr><td>(\w+)</td><td>[^<]*</td><td>(\w+)</td><td>([\d,]+)</td></tr>", page
    )
    return {(survey, role): int(n.replace(",", "")) for survey, role, n in found}


def test_the_dashboard_shows_the_coordinator_the_pool_and_a_member_lead_their_own_people(
    api: Flask, db: Database
) -> None:
    world = build(db)
    page = f"/dashboard/programmes/{world.programme}/shared"
    coordinator = _signed_in(api, "coordinator")
    assert "Across the Bar" in coordinator.get("/dashboard/").get_data(as_text=True)
    assert _answered(coordinator.get(page).get_data(as_text=True)) == {
        ("mentor_pulse", "mentor"): 10,
        ("mentee_pulse", "mentee"): 12,
    }
    birch = _signed_in(api, "lead_birch")
    assert "Across the Bar" in birch.get("/dashboard/").get_data(as_text=True)
    assert _answered(birch.get(page).get_data(as_text=True)) == {
        ("mentor_pulse", "mentor"): 5,
        ("mentee_pulse", "mentee"): 7,
    }
    cedar = _signed_in(api, "lead_cedar").get(page).get_data(as_text=True)
    assert _answered(cedar) == {} and "no group has reached the minimum size" in cedar
    assert _signed_in(api, "lead_dunlin").get(page).status_code == 404
    assert "Across the Bar" not in _signed_in(api, "lead_dunlin").get("/dashboard/").get_data(
        as_text=True
    )


def test_suggestions_pair_the_unpaired_people_of_every_member(db: Database) -> None:
    with db.transaction() as session:
        owner, member = f.firm(session), f.firm(session)
        programme = f.programme(session, owner)
        add_member(session, programme.id, member.id)
        # Same HR id and team name in both firms: they are different people and teams.
        mentor = f.person(session, owner, internal_id="X1", team="deals", level="associate")
        mentee = f.person(session, member, internal_id="X2", team="deals", level="partner")
        f.person(session, member, internal_id="X1", level="counsel")
        enrol(session, programme.id, mentor.id, "mentor")
        enrol(session, programme.id, mentee.id, "mentee")
        people, found = programme_suggestions(session, programme.id)
    assert {c.id for c in people.mentees} == {mentee.id}
    assert [(s.mentor.id, s.mentee.id) for s in found] == [(mentor.id, mentee.id)]


def test_an_enrolment_csv_finds_hr_ids_in_the_owning_firm_first_then_in_one_member(
    db: Database,
) -> None:
    with db.transaction() as session:
        owner, birch, cedar = f.firm(session), f.firm(session), f.firm(session)
        programme = f.programme(session, owner)
        add_member(session, programme.id, birch.id)
        add_member(session, programme.id, cedar.id)
        own = f.person(session, owner, internal_id="S1")
        f.person(session, birch, internal_id="S1")
        only_birch = f.person(session, birch, internal_id="B7")
        for firm in (birch, cedar):
            f.person(session, firm, internal_id="Z9")
        with pytest.raises(ImportRejected) as refused:
            enrol_from_rows(session, programme.id, [(2, "S1", "mentor"), (3, "Z9", "mentee")])
        assert [(p.row, p.message) for p in refused.value.problems] == [
            (3, "several member firms have HR id 'Z9'")
        ]
        enrol_from_rows(session, programme.id, [(2, "S1", "mentor"), (3, "B7", "mentee")])
        enrolled = set(session.scalars(select(Enrolment.person_id)))
    assert enrolled == {own.id, only_birch.id}


def test_a_coordinator_account_is_created_from_the_command_line_with_its_programmes(
    api: Flask, db: Database
) -> None:
    with db.transaction() as session:
        firm = f.firm(session, slug="alder")
        programme_id = f.programme(session, firm).id
    create = ["users", "create", "--email", "co@example.com", "--role", "coordinator"]
    runner = api.test_cli_runner()
    assert runner.invoke(args=create).exit_code != 0  # a coordinator needs a programme
    with_firm = runner.invoke(args=[*create, "--programme", str(programme_id), "--firm", "alder"])
    assert with_firm.exit_code != 0 and "not firms" in with_firm.output
    unknown = runner.invoke(args=[*create, "--programme", str(programme_id + 99)])
    assert unknown.exit_code != 0 and "no programme" in unknown.output
    made = runner.invoke(args=[*create, "--programme", str(programme_id)])
    assert made.exit_code == 0, made.output
    with db.sessions() as session:
        account = session.scalars(select(Account).where(Account.email == "co@example.com")).one()
        assert [p.id for p in account.programmes] == [programme_id] and account.firms == []
        assert reading_scope(session, account, programme_id) is not None
