"""Where a participant's language comes from outside the page: the HR file's optional
``language`` column, the firm's default (an admin setting), and the invitation mail sent
through a real SMTP server in that language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.db.models import Firm, Person
from surveys.db.session import Database
from surveys.mail import plain_text
from surveys.services.meetings import record_meeting
from surveys.services.people import ImportRejected
from tests.integration.test_admin_pages import sign_in
from tests.integration.test_admin_setup_pages import post, staff
from tests.integration.test_mail_flow import drain
from tests.integration.test_people_import import new_firm, run
from tests.support import factories as f
from tests.support.smtp import smtp_server

HEADER = "internal_id,email,level,practice_area,office,start_date,language\n"


def test_the_hr_file_sets_each_persons_language_and_an_empty_cell_leaves_it_open(
    db: Database,
) -> None:
    firm_id = new_firm(db)
    run(
        db,
        firm_id,
        HEADER + "E1,ada@example.com,partner,Tax,Paris,2015-03-01,fr-FR\n"
        "E2,ben@example.com,associate,Tax,Madrid,2020-01-06,ES\n"
        "E3,cat@example.com,associate,Tax,London,2021-09-01,\n",
    )
    with db.sessions() as session:
        found = session.execute(select(Person.internal_id, Person.language)).all()
    assert sorted(tuple(row) for row in found) == [("E1", "fr"), ("E2", "es"), ("E3", None)]
    # A re-import updates it, like every other column.
    run(db, firm_id, HEADER + "E1,ada@example.com,partner,Tax,Paris,2015-03-01,de\n")
    with db.sessions() as session:
        assert session.scalar(select(Person.language).where(Person.internal_id == "E1")) == "de"


def test_a_language_flipside_does_not_speak_is_refused_with_the_row_and_the_choices(
    db: Database,
) -> None:
    firm_id = new_firm(db)
    with pytest.raises(ImportRejected) as caught:
        run(db, firm_id, HEADER + "E1,ada@example.com,partner,Tax,Rome,2015-03-01,italiano\n")
    assert [str(p) for p in caught.value.problems] == [
        "row 2, column language: 'italiano' is not a language Flipside speaks (en, fr, de, es)"
    ]
    with db.sessions() as session:
        assert session.scalar(select(Person.id)) is None


def test_an_admin_sets_the_firms_default_language(client: FlaskClient, sqlite_db: Database) -> None:
    firm_id = staff(sqlite_db, "admin")["firm"]
    sign_in(client, "staff@example.com")
    page = f"/admin/firms/{firm_id}"
    assert "Participants&#39; language when the HR file gives none" in client.get(page).get_data(
        as_text=True
    )
    form = {"settings-min_group_size": ""}
    bad = post(client, page, f"{page}/settings", {**form, "settings-default_language": "it"})
    assert bad.status_code == 422
    good = post(client, page, f"{page}/settings", {**form, "settings-default_language": "fr"})
    assert good.status_code == 303
    with sqlite_db.sessions() as session:
        firm = session.get(Firm, firm_id)
        assert firm is not None and firm.default_language == "fr"
    assert '<option selected value="fr">' in client.get(page).get_data(as_text=True)
    back = post(client, page, f"{page}/settings", {**form, "settings-default_language": ""})
    assert back.status_code == 303
    with sqlite_db.sessions() as session:
        firm = session.get(Firm, firm_id)
        assert firm is not None and firm.default_language is None


def test_a_participant_in_paris_gets_a_french_invitation_naming_the_firm_and_session(
    sqlite_db: Database, pipeline: Callable[..., Any]
) -> None:
    """The mentor's HR file says French; the mentee has none, so the firm's default
    (German) applies. Both arrive through a real SMTP server."""
    held_on = date.today() - timedelta(days=1)
    with sqlite_db.transaction() as session:
        firm = f.firm(session, name="Harcourt & Vale", default_language="de")
        programme = f.programme(session, firm, name="Mentorat inversé")
        pairing = f.pairing(session, programme)
        pairing.mentor.language = "fr"
        addresses = {pairing.mentor.email: "fr", pairing.mentee.email: "de"}
        record_meeting(session, pairing.id, held_on, "staff")
    with smtp_server() as (url, inbox):
        pipeline(smtp_url=url)
        drain()
        messages = inbox.wait_for(2)
    assert len(messages) == 2
    by_language = {addresses[str(m["To"])]: m for m in messages}
    french, german = by_language["fr"], by_language["de"]
    months_fr = (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    )
    month = months_fr.split()[held_on.month - 1]
    assert str(french["Subject"]).strip() == (
        f"Harcourt & Vale Mentorat inversé\u00a0: votre séance du {held_on.day} {month}"
    )
    text = plain_text(french)
    assert text.startswith("Bonjour,")
    assert "Vos réponses sont anonymes." in text and "https://flipside.example.com/s/" in text
    assert "Pour ne plus recevoir d'e-mails" in text
    html = french.get_body(preferencelist=("html",))
    assert html is not None
    content = html.get_content()
    assert '<html lang="fr">' in content and "Répondre au questionnaire" in content
    # The pulse's own intro, in French, from the survey definition.
    assert "Quelques questions rapides sur la séance que vous venez d'avoir." in text
    assert (
        str(german["Subject"])
        .strip()
        .startswith("Harcourt & Vale Mentorat inversé: Ihr Gespräch am")
    )
    assert plain_text(german).startswith("Guten Tag,")
