"""The calendars page: an admin connects a feed, dry-runs it, reads it; bad input is a 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.db.models import CalendarConnector, Meeting
from surveys.db.session import Database
from surveys.services.accounts import create_account
from tests.integration.test_admin_pages import PASSWORD, csrf, sign_in
from tests.integration.test_calendar_operations import Feed
from tests.support import factories as f
from tests.support.radicale_server import vevent


@pytest.fixture
def feed() -> Iterator[Feed]:
    served = Feed()
    yield served
    served.server.shutdown()
    served.server.server_close()


def test_an_admin_connects_a_feed_dry_runs_and_reads_it(
    client: FlaskClient, sqlite_db: Database, feed: Feed
) -> None:
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session, started_on=date(2026, 1, 1))
        firm_id = pairing.programme.firm_id
        people = [(pairing.mentor.email, "ACCEPTED"), (pairing.mentee.email, "ACCEPTED")]
        create_account(session, "admin@example.com", PASSWORD, "admin", [])
    day = (date.today() - timedelta(days=1)).strftime("%Y%m%d")
    feed.body = vevent("page-1", f"{day}T100000", f"{day}T110000", people, tz="UTC",
                       extra="SUMMARY:Private-subject-okapi").encode()  # fmt: skip
    sign_in(client, "admin@example.com")
    page = f"/admin/firms/{firm_id}/calendars"
    assert client.get(f"/admin/firms/{firm_id}").data.count(page.encode()) == 1

    form = {"kind": "ics", "name": "Feed", "url": feed.url, "lookback_days": "14"}
    refused = client.post(
        page, data={**form, "secret_env": "my-password", "csrf_token": csrf(client, page)}
    )
    assert refused.status_code == 422 and b"not the secret itself" in refused.data
    assert (
        client.post(
            page, data={**form, "lookback_days": "0", "csrf_token": csrf(client, page)}
        ).status_code
        == 422
    )
    with sqlite_db.sessions() as session:
        assert session.scalars(select(CalendarConnector)).all() == []

    added = client.post(page, data={**form, "csrf_token": csrf(client, page)})
    assert added.status_code == 303
    with sqlite_db.sessions() as session:
        [cid] = session.scalars(select(CalendarConnector.id)).all()
    dry = client.post(f"{page}/{cid}/dry", data={"csrf_token": csrf(client, page)})
    assert dry.status_code == 200
    text = dry.get_data(as_text=True)
    assert "nothing was written" in text and "recorded" in text
    assert "okapi" not in text
    with sqlite_db.sessions() as session:
        assert session.scalars(select(Meeting)).all() == []
    read = client.post(f"{page}/{cid}/sync", data={"csrf_token": csrf(client, page)})
    assert read.status_code == 303
    with sqlite_db.sessions() as session:
        assert session.scalars(select(Meeting.source)).all() == ["ics"]
    assert "working" in client.get(page).get_data(as_text=True)
    # Another firm's connector id, or a request without the CSRF token, does nothing.
    assert (
        client.post(f"{page}/{cid + 1}/sync", data={"csrf_token": csrf(client, page)}).status_code
        == 404
    )
    assert client.post(f"{page}/{cid}/sync").status_code == 400
