"""A programme coordinator is given programmes on the accounts page, not only from the CLI."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.db.models import Account, AccountAudit
from surveys.db.session import Database
from surveys.services.accounts import create_account, find_account
from tests.integration.test_admin_pages import PASSWORD, csrf, sign_in
from tests.support import factories as f


def _world(db: Database) -> dict[str, int]:
    with db.transaction() as session:
        firm = f.firm(session, name="Harcourt Vale", slug="harcourt-vale")
        shared = f.programme(session, firm, name="Across the Bar")
        other = f.programme(session, firm, name="Harcourt Mentoring")
        create_account(session, "admin@example.com", PASSWORD, "admin")
        lead = create_account(session, "lee@example.com", PASSWORD, "lead", [firm])
        return {"shared": shared.id, "other": other.id, "lead": lead.id}


def _programmes(db: Database, email: str) -> tuple[str, list[int]]:
    with db.sessions() as session:
        account = find_account(session, email)
        assert account is not None
        return account.role, sorted(p.id for p in account.programmes)


def test_an_admin_invites_a_coordinator_with_programmes_and_changes_them(
    client: FlaskClient, sqlite_db: Database
) -> None:
    ids = _world(sqlite_db)
    sign_in(client, "admin@example.com")
    token = csrf(client, "/admin/accounts")
    page = client.get("/admin/accounts").get_data(as_text=True)
    assert "Across the Bar (Harcourt Vale)" in page and "Programme coordinator" in page
    new = {"new-email": "coco@example.com", "new-role": "coordinator", "csrf_token": token}
    # A coordinator without a programme, or with a firm, is refused and nothing is created.
    assert client.post("/admin/accounts", data=new).status_code == 422
    refused = client.post("/admin/accounts", data={**new, "new-firms": "harcourt-vale"})
    assert refused.status_code == 422
    with sqlite_db.sessions() as session:
        assert find_account(session, "coco@example.com") is None
    made = client.post("/admin/accounts", data={**new, "new-programmes": str(ids["shared"])})
    assert made.status_code in (201, 303)
    assert _programmes(sqlite_db, "coco@example.com") == ("coordinator", [ids["shared"]])
    with sqlite_db.sessions() as session:
        coco_id = session.scalars(
            select(Account.id).where(Account.email == "coco@example.com")
        ).one()
    # The row's form shows and changes them.
    shown = client.get("/admin/accounts").get_data(as_text=True)
    assert f'<option selected value="{ids["shared"]}">' in shown
    both = [str(ids["shared"]), str(ids["other"])]
    client.post(
        f"/admin/accounts/{coco_id}/role",
        data={
            f"a{coco_id}-role": "coordinator",
            f"a{coco_id}-programmes": both,
            "csrf_token": token,
        },
    )
    assert _programmes(sqlite_db, "coco@example.com") == (
        "coordinator",
        sorted([ids["shared"], ids["other"]]),
    )
    # Back to a D&I lead: firms, and no programmes left behind.
    client.post(
        f"/admin/accounts/{coco_id}/role",
        data={
            f"a{coco_id}-role": "lead",
            f"a{coco_id}-firms": "harcourt-vale",
            "csrf_token": token,
        },
    )
    assert _programmes(sqlite_db, "coco@example.com") == ("lead", [])
    with sqlite_db.sessions() as session:
        actions = session.scalars(
            select(AccountAudit.action).where(AccountAudit.account_email == "coco@example.com")
        ).all()
    assert "programmes_set" in actions


def test_a_lead_is_not_given_programmes_and_a_refused_change_writes_nothing(
    client: FlaskClient, sqlite_db: Database
) -> None:
    ids = _world(sqlite_db)
    sign_in(client, "admin@example.com")
    token = csrf(client, "/admin/accounts")
    lead = ids["lead"]
    given = client.post(
        f"/admin/accounts/{lead}/role",
        data={
            f"a{lead}-role": "lead",
            f"a{lead}-firms": "harcourt-vale",
            f"a{lead}-programmes": str(ids["shared"]),
            "csrf_token": token,
        },
        follow_redirects=True,
    )
    assert "Only a programme coordinator is given programmes" in given.get_data(as_text=True)
    bare = client.post(
        f"/admin/accounts/{lead}/role",
        data={f"a{lead}-role": "coordinator", "csrf_token": token},
        follow_redirects=True,
    )
    assert "needs at least one programme" in bare.get_data(as_text=True)
    assert _programmes(sqlite_db, "lee@example.com") == ("lead", [])
