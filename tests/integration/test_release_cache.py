"""Dashboard reports are kept until the programme's next release, and never longer.

The pulse report is computed from released cells once per release version:
a second view computes nothing, and every change of what readers may see (a
batch released, a release without batching, a rebuild, a round opened, the
firm's k) makes the next view compute again and show the new numbers. A
programme created under the id of a deleted one never gets the old report.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select

from surveys import aggregates as agg
from surveys.db.models import AggregateCell, Firm, Programme
from surveys.db.session import Database
from surveys.reports import cache as release_cache
from surveys.reports import pulse as pulse_trends
from surveys.reports.precompute import precompute
from surveys.services.invitations import launch_round
from tests.integration.test_dashboard_overview import rows
from tests.integration.test_dashboard_pulse_details import K, make_programme, page
from tests.support import factories as f
from tests.support.sealing import mix
from tests.support.submissions import submit


@pytest.fixture
def app_on(db: Database, make_settings: Any) -> Iterator[Flask]:
    from webapp import create_app

    release_cache.clear()
    settings = make_settings(database_url=db.url, min_group_size=K)
    yield create_app({"TESTING": True, "FLIPSIDE_DATABASE": db}, settings=settings)
    release_cache.clear()


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The programmes whose pulse report was computed, one entry per computation."""
    seen: list[int] = []
    real = pulse_trends._pulse_report

    def counting(session: Any, programme: Programme, policy: Any, roles: Any) -> Any:
        seen.append(programme.id)
        return real(session, programme, policy, roles)

    monkeypatch.setattr(pulse_trends, "_pulse_report", counting)
    return seen


def answer(db: Database, programme_id: int, scores: list[int], *, batching: bool) -> None:
    """Seal one submission per score (distinct people) and run a mixer pass during their
    week: in batches of k people, or (``batching=False``) with k = 1, everything at once."""
    with db.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        for s in scores:
            submit(session, programme, {"spoke_openly": s}, submitted_on=date(2026, 2, 10))
    report = mix(db, k=K if batching else 1, today=date(2026, 2, 11))
    # The worker's release step (pages read the reports it stores for each release).
    precompute(db, report.programmes, default_k=K)


#: Ten people, two per Likert value: a batch whose distribution discloses no one's answer.
SPREAD = [1, 2, 3, 4, 5] * 2


def february(html: str) -> list[str]:
    """The first Likert item's February row, or nothing when no result is released."""
    if 'id="trend-1-table"' not in html:
        return []
    return rows(html, "trend-1-table").get("2026-02", [])


def test_a_report_is_computed_once_per_release_and_again_after_each(
    app_on: Flask, db: Database, computed: list[int]
) -> None:
    programme_id = make_programme(db)
    # A batch of 2k people with spread answers: released, and its distribution may be shown
    # (a shown distribution needs k people outside its most common answer).
    answer(db, programme_id, SPREAD, batching=True)
    first = february(page(app_on, programme_id))
    assert first and first[0] == "10"
    assert february(page(app_on, programme_id)) == first
    assert computed == [programme_id]  # the second view computed nothing
    answer(db, programme_id, [2, 2], batching=True)  # fewer than k since: not released
    assert february(page(app_on, programme_id)) == first and len(computed) == 1
    answer(db, programme_id, [2, 2, 2], batching=True)  # now k more: a batch goes out
    assert february(page(app_on, programme_id))[0] == "15"
    assert len(computed) == 2
    answer(db, programme_id, [5], batching=False)  # released at once, without batching
    assert february(page(app_on, programme_id))[0] == "16"
    assert len(computed) == 3


def test_a_rebuild_a_new_round_and_a_new_k_each_make_the_next_view_compute(
    app_on: Flask, db: Database, computed: list[int]
) -> None:
    programme_id = make_programme(db)
    answer(db, programme_id, [3] * 6, batching=True)
    page(app_on, programme_id)
    assert len(computed) == 1
    with db.transaction() as session:
        agg.rebuild(session, default_k=K)
    precompute(db, [programme_id], default_k=K)  # the rebuild's release step
    page(app_on, programme_id)
    assert len(computed) == 2
    with db.transaction() as session:
        launch_round(session, programme_id, "baseline", date.today() + timedelta(days=14), f.SECRET)
    precompute(db, [programme_id], default_k=K)  # a new round's reports, stored once
    page(app_on, programme_id)
    assert len(computed) == 3
    with db.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        programme.firm.min_group_size = 3
    page(app_on, programme_id)
    assert len(computed) == 4
    page(app_on, programme_id)
    assert len(computed) == 4


def test_a_programme_given_a_deleted_programmes_id_never_gets_its_report(
    app_on: Flask, db: Database, computed: list[int]
) -> None:
    programme_id = make_programme(db)
    answer(db, programme_id, SPREAD, batching=True)
    assert february(page(app_on, programme_id))[0] == "10"
    with db.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        firm_id, old_version = programme.firm_id, programme.release_version
        session.execute(delete(AggregateCell))
        session.delete(programme)
    with db.transaction() as session:
        firm = session.get(Firm, firm_id)
        again = f.programme(session, firm, name="Second programme")
        again.id = programme_id  # the id a database may give again,
        again.release_version = old_version  # after as many releases of its own
        session.flush()
        version = select(Programme.release_version).where(Programme.id == programme_id)
        assert session.scalar(version) == old_version > 0
    assert february(page(app_on, programme_id)) == []
    assert computed == [programme_id, programme_id]
