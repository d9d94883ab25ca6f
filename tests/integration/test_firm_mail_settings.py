"""A firm's own sender address and Reply-To, edited on the firm page (admins only)."""

from __future__ import annotations

from flask.testing import FlaskClient

from surveys.db.models import Firm
from surveys.db.session import Database
from tests.integration.test_admin_pages import sign_in
from tests.integration.test_admin_setup_pages import post, staff

#: The settings form as a browser sends it (a field missing altogether is refused, not read
#: as empty: see tests/integration/test_security_refusals.py).
WHOLE_FORM = {"settings-min_group_size": ""}


def test_an_admin_sets_and_clears_the_firms_sender_and_reply_to(
    client: FlaskClient, sqlite_db: Database
) -> None:
    firm_id = staff(sqlite_db, "admin")["firm"]
    sign_in(client, "staff@example.com")
    page = f"/admin/firms/{firm_id}"
    assert "Invitations come from" in client.get(page).get_data(as_text=True)
    bad = post(
        client,
        page,
        f"{page}/settings",
        {**WHOLE_FORM, "settings-mail_from": "D&I <dandi@firm.example>\r\nBcc: x@y.example"},
    )
    assert bad.status_code == 422 and "plain e-mail address" in bad.get_data(as_text=True)
    good = post(
        client,
        page,
        f"{page}/settings",
        {
            **WHOLE_FORM,
            "settings-mail_from": "mentoring@firm.example",
            "settings-reply_to": " dandi@firm.example ",
        },
    )
    assert good.status_code == 303
    with sqlite_db.sessions() as session:
        firm = session.get(Firm, firm_id)
        assert firm is not None
        assert (firm.mail_from, firm.reply_to) == ("mentoring@firm.example", "dandi@firm.example")
    shown = client.get(page).get_data(as_text=True)
    assert 'value="mentoring@firm.example"' in shown
    cleared = post(client, page, f"{page}/settings", {**WHOLE_FORM, "settings-mail_from": ""})
    assert cleared.status_code == 303
    with sqlite_db.sessions() as session:
        firm = session.get(Firm, firm_id)
        assert firm is not None and (firm.mail_from, firm.reply_to) == (None, None)


def test_a_lead_cannot_change_the_sender(client: FlaskClient, sqlite_db: Database) -> None:
    firm_id = staff(sqlite_db, "lead")["firm"]
    sign_in(client, "staff@example.com")
    page = f"/admin/firms/{firm_id}"
    denied = post(
        client, page, f"{page}/settings", {**WHOLE_FORM, "settings-mail_from": "x@evil.example"}
    )
    assert denied.status_code == 403
    with sqlite_db.sessions() as session:
        firm = session.get(Firm, firm_id)
        assert firm is not None and firm.mail_from is None
