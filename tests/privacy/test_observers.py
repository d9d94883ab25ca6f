"""Attackers outside the database: a timing observer and a lead reading their dashboard.

Both use only what the app shows (the API, the dashboard pages through the
Flask test client) over worlds loaded through the real services.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from sqlalchemy import func, select

from surveys.db.models import AggregateCell, Firm, Response
from surveys.db.session import Database
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from tests.integration.test_app import login
from tests.privacy.summary import record
from tests.privacy.world import (
    JUNIOR_WOMAN,
    PARTNER_WOMAN,
    World,
    answers_for,
    build_world,
    submit_all,
)
from tests.support.sealing import mix

K = 5
MET = date(2026, 2, 3)  # ISO week 2026-W06
DURING_THE_WEEK = date(2026, 2, 6)
PASSWORD = "correct horse battery"


def cohort(db: Database, name: str) -> World:
    """Five mentors of one cohort and their five mentees, who all met on one day."""
    return build_world(
        db,
        mentors=(JUNIOR_WOMAN,) * K,
        mentees=(PARTNER_WOMAN,) * K,
        meeting_days=lambda _i: [MET],
        name=name,
    )


def lead_of(db: Database, worlds: list[World], email: str = "lead@example.com") -> str:
    """A lead of the worlds' firms; returns an API token."""
    with db.transaction() as session:
        firms = [session.get_one(Firm, w.firm_id) for w in worlds]
        account = create_account(session, email, PASSWORD, "lead", firms)
        return create_api_token(session, account.id, "privacy").secret


def api_cells(client: Any, token: str, world: World) -> list[dict[str, Any]]:
    url = f"/api/v1/aggregates?programme_id={world.programme_id}"
    body = client.get(url, headers={"Authorization": f"Bearer {token}"}).get_json()
    cells: list[dict[str, Any]] = body["cells"]
    return cells


def visible(db: Database, client: Any, token: str, worlds: list[World]) -> str:
    """Everything a watcher can see change: API cells, responses, released counts."""
    with db.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Response))
        released = session.scalar(select(func.coalesce(func.sum(AggregateCell.released_n), 0)))
    cells = {w.programme_id: api_cells(client, token, w) for w in worlds}
    seen = {"responses": int(stored or 0), "released": int(released or 0), "cells": cells}
    return json.dumps(seen, sort_keys=True)


def test_the_kth_submission_changes_nothing_visible_until_the_scheduled_pass(
    db: Database, web_for: Any
) -> None:
    worlds = [cohort(db, f"Timing {i}") for i in range(3)]
    client = web_for(db)
    token = lead_of(db, worlds)
    first = worlds[0]
    mentors = [i for i in first.invitations if i.role == "mentor"]
    submit_all(first, mentors[: K - 1])
    before = visible(db, client, token, worlds)
    submit_all(first, mentors[K - 1 :])  # the k-th person of the cohort
    after_kth = visible(db, client, token, worlds)
    for other in worlds[1:]:  # other cohorts reach k too, at other moments
        submit_all(other)
    still = visible(db, client, token, worlds)
    unchanged = before == after_kth == still
    report = mix(db, k=K, today=DURING_THE_WEEK)  # the scheduled pass
    released = visible(db, client, token, worlds)
    with_cells = [w for w in worlds if api_cells(client, token, w)]
    linked = 0 if unchanged else K
    record("release timing (" + db.engine.dialect.name + ")", linked, report.released)
    assert unchanged, "something visible moved before the mixer's pass"
    assert json.loads(before)["responses"] == 0 and json.loads(before)["released"] == 0
    assert released != before and report.released == len(worlds) * 2 * K - K
    assert with_cells == worlds  # many cohorts released at once, by the one pass


SAME = {
    "spoke_openly": ["5"],
    "mentee_engaged": ["5"],
    "good_use_of_time": ["5"],
    "topics": ["technology"],
    "recommend_programme": ["10"],
    "comment": [""],
}
#: A table cell saying one answer was everyone's (the pulse page's shares per answer).
_EVERYONE_AGREED = re.compile(r"<td>\s*100%\s*</td>")


def _homogeneous(cell: dict[str, Any]) -> bool:
    histogram = {k: v for k, v in cell["histogram"].items() if v}
    return cell["n"] > 0 and len(histogram) == 1 and cell["item"] == ""


def test_a_lead_never_sees_a_cohort_where_everyone_gave_one_answer(
    db: Database, web_for: Any
) -> None:
    """All five mentors of a cohort answer 5 to every question: a lead who knows one
    of them is in it would learn their answers. The API, the overview and the pulse
    page must treat that distribution exactly like a small group."""
    world = cohort(db, "Homogeneous")
    submit_all(world, answers=lambda inv, n: SAME if inv.role == "mentor" else answers_for(inv, n))
    mix(db, k=K, today=DURING_THE_WEEK)
    client = web_for(db)
    token = lead_of(db, [world])
    assert login(client, "lead@example.com", PASSWORD).status_code == 302
    shown = [c for c in api_cells(client, token, world) if c["survey_key"] == "mentor_pulse"]
    disclosed = [c for c in shown if _homogeneous(c)]
    pages = {
        path: client.get(path).get_data(as_text=True)
        for path in (
            f"/dashboard/programmes/{world.programme_id}",
            f"/dashboard/programmes/{world.programme_id}/pulse",
        )
    }
    on_pages = [path for path, page in pages.items() if _EVERYONE_AGREED.search(page)]
    linked = K if disclosed or on_pages else 0
    record(f"homogeneous shown cells ({db.engine.dialect.name})", linked, K)
    assert not disclosed, [(c["question_key"], c["period"], c["histogram"]) for c in disclosed]
    assert not on_pages
