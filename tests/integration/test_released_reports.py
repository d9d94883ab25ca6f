"""Dashboard reports are decided once per release by the worker and stored for every process.

On SQLite and PostgreSQL, through the real mixer actor: after a pass the
programme's reports are stored under its new release version, and the first
page view of another process (an empty process map) reads them without
computing; a row of an earlier release is never served; a body that does not
parse into the report is computed again, never trusted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from surveys.db.models import Programme, ReleasedReport
from surveys.db.session import Database
from surveys.reports import cache as release_cache
from surveys.reports import codec
from surveys.reports import headline as headline_report
from surveys.reports import overview as overview_report
from surveys.reports import pulse as pulse_trends
from surveys.reports.precompute import precompute
from surveys.services.accounts import create_account
from tests.integration.test_dashboard_overview import rows
from tests.support import factories as f
from tests.support.sealing import mix, seal_direct

K = 5
PASSWORD = "correct horse battery"
ANSWERS: dict[str, Any] = {
    "spoke_openly": 4,
    "mentee_engaged": 5,
    "good_use_of_time": 3,
    "topics": ["technology", "wellbeing"],
    "recommend_programme": 8,
}


@pytest.fixture
def app_on(db: Database, make_settings: Any, stub_worker: Any) -> Iterator[Flask]:
    from webapp import create_app
    from workers import runtime

    release_cache.clear()
    settings = make_settings(database_url=db.url, min_group_size=K)
    runtime.configure(settings, db)
    yield create_app({"TESTING": True, "FLIPSIDE_DATABASE": db}, settings=settings)
    release_cache.clear()


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every report computed (not read), by name."""
    seen: list[str] = []
    real_pulse, real_answered = pulse_trends._pulse_report, overview_report._answered
    real_headline = headline_report._headline

    def pulse(*args: Any) -> Any:
        seen.append("pulse")
        return real_pulse(*args)

    def answered(*args: Any) -> Any:
        seen.append("responses by role")
        return real_answered(*args)

    def headline(*args: Any) -> Any:
        seen.append("headline")
        return real_headline(*args)

    monkeypatch.setattr(pulse_trends, "_pulse_report", pulse)
    monkeypatch.setattr(headline_report, "_headline", headline)
    monkeypatch.setattr(overview_report, "_answered", answered)
    return seen


def make_programme(db: Database) -> int:
    with db.transaction() as session:
        programme = f.programme(session)
        for _ in range(K):
            f.pairing(session, programme)
        create_account(session, "lead@example.com", PASSWORD, "lead", [programme.firm])
        return programme.id


def spread(answers: dict[str, Any], i: int) -> dict[str, Any]:
    """Person ``i``'s answers: each scale answer moved on by ``i``, so a batch of 2k people
    is spread over the scale (a shown distribution needs k people outside its mode)."""
    out = dict(answers)
    for key, value in answers.items():
        if isinstance(value, int):
            size = 11 if key == "recommend_programme" else 5
            out[key] = (value + i) % size if size == 11 else (value - 1 + i) % size + 1
    return out


def seal(db: Database, programme_id: int, people: range, answers: dict[str, Any]) -> None:
    with db.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        for i in people:
            seal_direct(
                session, programme.firm_id, programme_id, spread(answers, i), person=f"p{i}"
            )


def mixer_actor() -> None:
    """The worker's actor, run in this process, and the release step's messages it sent
    (run by the stub worker)."""
    from workers.actors.mixing import mix_submissions
    from workers.actors.reports import QUEUE
    from workers.broker import broker

    mix_submissions.fn()
    broker.join(QUEUE, timeout=60_000, fail_fast=True)


def view(app: Flask, programme_id: int, page: str = "/pulse") -> str:
    client: FlaskClient = app.test_client()
    login = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login)
    assert token
    client.post(
        "/auth/login",
        data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    response = client.get(f"/dashboard/programmes/{programme_id}{page.rstrip('/')}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def stored(db: Database, programme_id: int) -> dict[str, tuple[int, str]]:
    with db.sessions() as session:
        found = session.execute(
            select(ReleasedReport.name, ReleasedReport.release_version, ReleasedReport.body).where(
                ReleasedReport.programme_id == programme_id
            )
        )
        return {name: (version, body) for name, version, body in found}


def version_of(db: Database, programme_id: int) -> int:
    with db.sessions() as session:
        version = session.scalar(
            select(Programme.release_version).where(Programme.id == programme_id)
        )
        assert version is not None
        return version


def test_after_a_mixer_pass_the_first_view_reads_the_stored_reports(
    app_on: Flask, db: Database, computed: list[str]
) -> None:
    programme_id = make_programme(db)
    seal(db, programme_id, range(12), ANSWERS)
    mixer_actor()
    version = version_of(db, programme_id)
    assert version > 0
    rows_stored = stored(db, programme_id)
    assert {name: v for name, (v, _) in rows_stored.items()} == {
        "pulse": version,
        "responses by role": version,
        "headline": version,
    }
    # By the worker, once each.
    assert sorted(computed) == ["headline", "pulse", "responses by role"]
    release_cache.clear()  # a web process that has computed nothing yet
    computed.clear()
    first = view(app_on, programme_id)
    view(app_on, programme_id, "/")
    headline_page = view(app_on, programme_id, "/headline")
    assert computed == []  # read, not computed
    assert rows(first, "trend-1-table")["2026-02"] == ["12", "17%", "17%", "17%", "25%", "25%"]
    # 4 or 5 on "spoke openly": 3 + 3 of the 12 mentors' sessions.
    assert rows(headline_page, "pulse-mentor-figures")["Spoke openly"][0] == "50% (25–75) 2026-02"
    # The same page as computing it afresh.
    release_cache.clear()
    with db.transaction() as session:
        session.execute(update(ReleasedReport).values(body="{}"))  # unreadable: computed again
    fresh = view(app_on, programme_id)
    assert computed == ["pulse"]
    assert rows(fresh, "trend-1-table") == rows(first, "trend-1-table")
    assert rows(fresh, "score-1-table") == rows(first, "score-1-table")


def test_the_stored_json_round_trips_to_an_equal_report(
    app_on: Flask, db: Database, computed: list[str]
) -> None:
    programme_id = make_programme(db)
    seal(db, programme_id, range(12), ANSWERS)
    mixer_actor()
    _, body = stored(db, programme_id)["pulse"]
    _, answered_body = stored(db, programme_id)["responses by role"]
    _, headline_body = stored(db, programme_id)["headline"]
    release_cache.clear()
    with db.sessions() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        policy = pulse_trends.disclosure.Policy(K)
        report = pulse_trends._pulse_report(session, programme, policy, ("mentor", "mentee"))
        answered = overview_report._answered(session, programme, policy)
        headline = headline_report._headline(session, programme, policy, K, ("mentor", "mentee"))
    assert codec.load(pulse_trends.PulseReport, json.loads(body)) == report
    assert report.likert and report.scores and report.topics
    assert overview_report.answered_from_dict(json.loads(answered_body)) == answered
    assert answered == {"mentor": 12}
    assert codec.load(headline_report.Headline, json.loads(headline_body)) == headline
    assert headline.cards[1].figures  # the mentors' pulse


def test_an_earlier_release_is_served_only_labelled_and_goes_when_a_newer_is_stored(
    app_on: Flask, db: Database, computed: list[str]
) -> None:
    programme_id = make_programme(db)
    seal(db, programme_id, range(12), ANSWERS)
    mixer_actor()
    old_version = version_of(db, programme_id)
    seal(db, programme_id, range(12, 24), {**ANSWERS, "spoke_openly": 2})
    mix(db, k=K)  # a release whose reports were not stored (yet)
    assert version_of(db, programme_id) > old_version
    # The old row, tampered to say something the cells never did, is still there:
    _, body = stored(db, programme_id)["pulse"]
    tampered = json.loads(body)
    tampered["likert"][0]["months"][0]["n"] = {"value": 999, "n": 999}
    with db.transaction() as session:
        session.execute(
            update(ReleasedReport)
            .where(ReleasedReport.name == "pulse")
            .values(body=json.dumps(tampered))
        )
    release_cache.clear()
    computed.clear()
    page = view(app_on, programme_id)
    # Until the workers store the new release's report, the page shows the old one, said so.
    assert computed == []
    assert f"(release {old_version})" in page
    assert 'id="report-being-prepared"' in page
    assert precompute(db, [programme_id], default_k=K) == 1
    assert {v for v, _ in stored(db, programme_id).values()} == {version_of(db, programme_id)}
    computed.clear()
    page = view(app_on, programme_id)
    assert computed == []  # the stored report of the new release
    assert rows(page, "trend-1-table")["2026-02"][0] == "24"  # both releases: 12 people each
    assert "999" not in page
    assert 'id="report-being-prepared"' not in page


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        '{"policy": {"k": 0, "comment_min": 10}, "likert": [], "scores": [], '
        '"topics": [], "comments": [], "withheld": []}',
        '{"policy": {"k": 5, "comment_min": 10}, "likert": [{"survey_title": 1}], '
        '"scores": [], "topics": [], "comments": [], "withheld": []}',
    ],
    ids=["malformed JSON", "not an object", "k below 1", "wrong type"],
)
def test_a_tampered_body_is_computed_again_not_trusted(
    app_on: Flask, db: Database, computed: list[str], body: str
) -> None:
    programme_id = make_programme(db)
    seal(db, programme_id, range(12), ANSWERS)
    mixer_actor()
    with db.transaction() as session:
        session.execute(
            update(ReleasedReport).where(ReleasedReport.name == "pulse").values(body=body)
        )
    release_cache.clear()
    computed.clear()
    page = view(app_on, programme_id)
    assert computed == ["pulse"]
    assert rows(page, "trend-1-table")["2026-02"][0] == "12"
    if db.is_postgres:  # the web process replaced the row with the report it computed
        _, replaced = stored(db, programme_id)["pulse"]
        assert codec.load(pulse_trends.PulseReport, json.loads(replaced)).likert
