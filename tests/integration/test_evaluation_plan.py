"""The evaluation plan: frozen at the first release, amended with a date, and followed by the
headline (every planned outcome, in the plan's order, good news and bad news alike).

On a copy of the demo (its planted effects include a fall in the 0-10 "would you
recommend the firm" among participants against the comparison group), and on a
small programme released here through the aggregates.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.aggregates.checks import rebuild
from surveys.db.models import Account, EvaluationPlan, Programme
from surveys.db.session import Database
from surveys.domain.plan import Plan
from surveys.reports.builder.sides import climate_rounds
from surveys.services.api_tokens import create_api_token
from surveys.services.errors import Invalid
from surveys.services.plans import declare_plan, plan_state
from surveys.settings import Settings
from tests.integration.test_admin_pages import csrf
from tests.integration.test_dashboard_compare import programme_of, sign_in_demo, text_of
from tests.support import factories as f
from tests.support.demo_world import DemoWorld
from webapp.dashboard.plan_views import allowed

RECOMMEND = "How likely are you to recommend the firm as a place to work?"
STAY = "I intend to be working here in two years' time."
LABELS = ("Direction", "Difference (95% CI)", "p, corrected across the plan")


@pytest.fixture
def demo_copy(demo_world: DemoWorld, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the demo database: these tests amend its plans."""
    source = Path(demo_world.db.url.removeprefix("sqlite:///"))
    target = tmp_path / "demo-copy.sqlite3"
    shutil.copy(source, target)
    db = Database(f"sqlite:///{target}")
    yield db
    db.dispose()


@pytest.fixture
def client_of(make_settings: Callable[..., Settings]) -> Callable[[Database], FlaskClient]:
    from webapp import create_app

    def make(db: Database) -> FlaskClient:
        settings = make_settings(database_url=db.url)
        app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": db}, settings=settings)
        return app.test_client()

    return make


def findings(page: str) -> list[str]:
    """Each planned finding's markup, in page order."""
    section = re.search(
        r'<section class="card card-findings" id="findings".*?</section>', page, re.S
    )
    assert section, "no findings section"
    return re.findall(r'<li class="finding" id="finding-\d+">.*?</li>', section[0], re.S)


def skeleton(markup: str) -> list[str]:
    """The markup with every word taken out: tags and their classes, in order."""
    tags = re.findall(r"<(/?[a-z0-9]+)([^>]*)>", markup)
    kept = []
    for name, attributes in tags:
        classes = re.findall(r'class="([^"]*)"', attributes)
        kept.append(f"<{name} {' '.join(classes)}>")
    return kept


def finding_with(items: list[str], *words: str) -> str:
    matches = [item for item in items if all(w in text_of(item) for w in words)]
    assert len(matches) == 1, (words, len(matches))
    return matches[0]


def test_the_demo_recommend_decline_is_shown_exactly_like_the_improvement(
    demo_copy: Database, demo_world: DemoWorld, client_of: Callable[[Database], FlaskClient]
) -> None:
    """The fall in "would you recommend the firm" (never planned to fall) has the same
    place, markup and figures as the rise in "intend to stay"."""
    client = client_of(demo_copy)
    sign_in_demo(client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    page = client.get(f"/dashboard/programmes/{programme}/headline").get_data(as_text=True)
    items = findings(page)
    did = "Before vs after"
    fell = finding_with(items, RECOMMEND, did)
    rose = finding_with(items, STAY, did)
    assert "Participants' scores fell further than the comparison group's" in text_of(fell)
    assert "Participants' scores rose more than the comparison group's" in text_of(rose)
    assert skeleton(fell) == skeleton(rose)
    for item in (fell, rose):
        words = text_of(item)
        assert all(label in words for label in LABELS)
        assert re.search(r"[+-]\d+\.\d\d \([+-]?\d+\.\d\d to [+-]?\d+\.\d\d\)", words), words
        assert re.search(r"participants, before: \d+", words), words
        assert "(primary outcome)" in words
    # The 0-10 item also stands against the comparison group in the latest round.
    latest = finding_with(items, RECOMMEND, "Participants vs comparison group")
    assert "Participants lower than the comparison group" in text_of(latest)
    assert skeleton(latest) == skeleton(rose)


def test_the_headline_follows_the_plans_order_whatever_the_results(
    demo_copy: Database, demo_world: DemoWorld, client_of: Callable[[Database], FlaskClient]
) -> None:
    client = client_of(demo_copy)
    sign_in_demo(client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    url = f"/dashboard/programmes/{programme}/headline"
    first = [text_of(i) for i in findings(client.get(url).get_data(as_text=True))]
    p_values = [
        float(m[1]) for m in (re.search(r"uncorrected p [=<] ([\d.]+)", t) for t in first) if m
    ]
    assert len(p_values) == len(first)  # every planned comparison of the demo ran
    with demo_copy.transaction() as session:
        state = plan_state(session, programme)
        assert state.frozen_on is not None  # the demo's mixer released results: frozen
        # Reorder the plan against the results: the clearest result last, and so on.
        order = sorted(range(len(first)), key=lambda i: p_values[i], reverse=True)
        items = tuple(state.plan.items[i] for i in order)
        reordered = Plan(items, state.plan.alpha, state.plan.correction, 0.3, state.plan.expected)
        today = datetime.now(UTC).date()
        declare_plan(
            session,
            session.get_one(Programme, programme),
            reordered,
            today,
            allowed=allowed(),
            reason="Report the least clear result first (a test of the order)",
        )
    again = [text_of(i) for i in findings(client.get(url).get_data(as_text=True))]

    def what(text: str) -> str:  # the outcome and the comparison, before its figures
        return text.split(" Direction ")[0]

    assert [what(t) for t in again] == [what(first[i]) for i in order]
    # Each finding keeps its figures, whatever its place (the correction does not depend on it).
    numbers = [re.findall(r"p = [\d.]+", t) for t in first]
    assert [re.findall(r"p = [\d.]+", t) for t in again] == [numbers[i] for i in order]
    assert order != list(range(len(first)))  # the plan's order is not the one before
    page = client.get(url).get_data(as_text=True)
    assert f"amended 1 time(s), latest on {today.isoformat()}" in text_of(page)


def test_a_plan_freezes_at_the_first_release_and_is_then_amended_with_a_date(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        plan = Plan.from_dict(plan_state(session, programme.id).plan.to_dict())
        assert plan_state(session, programme.id).version == 0  # the default, not yet written
        declare_plan(session, programme, plan, date(2026, 1, 5), allowed=allowed())
        # Before any release the declared plan may still change, in place.
        declare_plan(session, programme, plan, date(2026, 1, 6), allowed=allowed())
        state = plan_state(session, programme.id)
        assert (state.version, state.frozen_on, state.is_default) == (1, None, False)
        for _ in range(5):
            f.answered(session, programme, {"spoke_openly": 4})
        programme_id = programme.id
    with db.transaction() as session:
        rebuild(session, default_k=5)  # releases the batch of five: the first result
    today = datetime.now(UTC).date()
    with db.transaction() as session:
        state = plan_state(session, programme_id)
        assert state.frozen_on == today and state.declared_on == date(2026, 1, 6)
        programme = session.get_one(Programme, programme_id)
        with pytest.raises(Invalid, match="say why"):
            declare_plan(session, programme, plan, today, allowed=allowed())
        declare_plan(
            session, programme, plan, date(2026, 3, 1), allowed=allowed(), reason="New HR data"
        )
    with db.transaction() as session:
        rows = session.scalars(
            select(EvaluationPlan)
            .where(EvaluationPlan.programme_id == programme_id)
            .order_by(EvaluationPlan.version)
        ).all()
        assert [(r.version, r.declared_on, r.frozen_on, r.reason) for r in rows] == [
            (1, date(2026, 1, 6), today, ""),
            (2, date(2026, 3, 1), date(2026, 3, 1), "New HR data"),
        ]
        # A second release changes nothing: the plan froze once.
        f.answered(session, session.get_one(Programme, programme_id), {"spoke_openly": 2})
    with db.transaction() as session:
        rebuild(session, default_k=1)
    with db.transaction() as session:
        assert plan_state(session, programme_id).frozen_on == today


def test_without_a_declared_plan_the_default_is_written_and_frozen_at_the_first_release(
    db: Database,
) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        for _ in range(5):
            f.answered(session, programme, {"spoke_openly": 4})
        programme_id = programme.id
    with db.transaction() as session:
        rebuild(session, default_k=5)
    with db.transaction() as session:
        state = plan_state(session, programme_id)
        assert state.is_default and state.version == 1
        assert state.frozen_on == datetime.now(UTC).date()
        assert state.plan.has("climate:recommend_firm", "did")


def test_the_plan_page_declares_for_a_lead_and_is_read_only_for_a_researcher(
    demo_copy: Database, demo_world: DemoWorld, client_of: Callable[[Database], FlaskClient]
) -> None:
    programme = programme_of(demo_world, "harcourt-vale")
    url = f"/dashboard/programmes/{programme}/plan"
    researcher = client_of(demo_copy)
    sign_in_demo(researcher, demo_world, "researcher@example.com")
    page = researcher.get(url)
    assert page.status_code == 200
    words = text_of(page.get_data(as_text=True))
    assert "was frozen on" in words and "80% power for d ≥" in words
    assert "<form" not in page.get_data(as_text=True).split('id="planned"')[1]
    token = csrf(researcher, "/dashboard/")  # the sign-out form's
    assert researcher.post(url, data={"csrf_token": token}).status_code == 403

    lead = client_of(demo_copy)
    sign_in_demo(lead, demo_world, "lead@example.com")
    form = {
        "csrf_token": csrf(lead, url),
        "plan-climate:recommend_firm|did": "primary",
        "plan-climate:belonging|participants": "secondary",
        "alpha": "0.05",
        "correction": "holm",
        "hoped_effect": "0.3",
        **{f"expected-{g}": "30" for g in ("participants", "comparison", "mentors", "mentees")},
    }
    refused = lead.post(url, data=form)  # frozen: an amendment needs its reason
    assert refused.status_code == 422
    assert "say why it is amended" in text_of(refused.get_data(as_text=True))
    bad = lead.post(url, data=form | {"alpha": "lots", "reason": "x"})
    assert bad.status_code == 400 and "must be a number" in text_of(bad.get_data(as_text=True))
    done = lead.post(url, data=form | {"reason": "Only the recommend score is primary"})
    assert done.status_code == 302
    shown = text_of(lead.get(url).get_data(as_text=True))
    assert "Only the recommend score is primary" in shown
    assert datetime.now(UTC).date().isoformat() in shown
    planned = re.search(
        r'<table id="planned">.*?</table>', lead.get(url).get_data(as_text=True), re.S
    )
    assert planned and text_of(planned[0]).count("primary") == 1
    headline = lead.get(f"/dashboard/programmes/{programme}/headline").get_data(as_text=True)
    assert len(findings(headline)) == 2


def test_comparisons_outside_the_plan_are_labelled_exploratory_on_the_page_and_the_api(
    demo_copy: Database, demo_world: DemoWorld, client_of: Callable[[Database], FlaskClient]
) -> None:
    client = client_of(demo_copy)
    sign_in_demo(client, demo_world, "lead@example.com")
    programme = programme_of(demo_world, "harcourt-vale")
    base = f"/dashboard/programmes/{programme}/compare?"
    planned = client.get(
        base + "outcome=climate:recommend_firm&outcome=climate:belonging&comparison=did"
    )
    words = text_of(planned.get_data(as_text=True)).replace(" :", ":")
    assert "Planned comparison 6:" in words and "Planned comparison 1:" in words
    assert "Exploratory:" not in words
    explored = client.get(base + "outcome=climate:belonging&comparison=participants")
    words = text_of(explored.get_data(as_text=True)).replace(" :", ":")
    assert "Exploratory:" in words and "Planned comparison" not in words
    table = re.search(r'<table id="statistics">.*?</table>', explored.get_data(as_text=True), re.S)
    assert table and "Exploratory" in text_of(table[0])
    # Another test than the plan's (Welch) is another analysis: exploratory too.
    other = client.get(base + "outcome=climate:recommend_firm&comparison=did&test=mwu")
    assert other.status_code in (200, 400)
    if other.status_code == 200:
        assert "Planned comparison" not in text_of(other.get_data(as_text=True))
    api_plan = plan_api(client, programme, demo_copy)
    assert api_plan["items"][5]["outcome"] == "climate:recommend_firm"
    assert api_plan["frozen_on"] is not None and api_plan["is_default"] is True
    assert api_plan["items"][0]["minimum_detectable_effect"] > 0


def plan_api(client: FlaskClient, programme: int, db: Database) -> dict[str, Any]:
    """The plan through the API, with a token of the demo's lead."""
    with db.transaction() as session:
        account = session.scalars(select(Account).where(Account.email == "lead@example.com")).one()
        secret = create_api_token(session, account.id, "plan test").secret
        latest = climate_rounds(session, programme)[-1].id
    response = client.get(
        f"/api/v1/programmes/{programme}/plan", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    cohort = client.get(
        f"/api/v1/programmes/{programme}/comparison?survey_key=climate"
        f"&question_key=belonging&by=gender_group&a=woman&b=man&round_id={latest}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    body = cohort.get_json()
    assert cohort.status_code == 200, body
    assert body["status"] == "exploratory" and body["planned"] is False, body
    return json.loads(response.get_data(as_text=True))


def test_the_cli_shows_and_declares_a_plan(
    sqlite_db: Database, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    from webapp import create_app

    with sqlite_db.transaction() as session:
        programme = f.programme(session).id
    settings = make_settings(database_url=sqlite_db.url)
    app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["plan", "show", "--programme", str(programme)])
    assert shown.exit_code == 0, shown.output
    plan = json.loads(shown.output)
    assert plan["version"] == 0 and plan["items"][0]["outcome"] == "climate:belonging"
    body = {"items": [{"outcome": "climate:recommend_firm", "comparison": "did", "primary": True}]}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(body))
    declared = runner.invoke(
        args=["plan", "declare", "--programme", str(programme), "--file", str(path)]
    )
    assert declared.exit_code == 0, declared.output
    again = json.loads(runner.invoke(args=["plan", "show", "--programme", str(programme)]).output)
    assert [i["outcome"] for i in again["items"]] == ["climate:recommend_firm"]
    path.write_text(
        json.dumps(
            {"items": [{"outcome": "climate:nothing", "comparison": "did", "primary": True}]}
        )
    )
    refused = runner.invoke(
        args=["plan", "declare", "--programme", str(programme), "--file", str(path)]
    )
    assert refused.exit_code == 2 and "no outcome" in refused.output
