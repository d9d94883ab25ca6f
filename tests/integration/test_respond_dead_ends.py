"""A participant's link that cannot be used ends on a participant page: what happened,
what to do next and whom to ask (the firm's D&I contact when it set one); never the
staff site's error page with its sign-in; in the language picked on the page, sent
back with a form or asked for by the browser. And a failed submit's error summary
reads as sentences."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from surveys.db.models import SurveyInvitation
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.languages import DEFAULT_LANGUAGE, LANGUAGES, translations
from surveys.services.invitations import ended_link, launch_round
from surveys.services.tokens import met_token
from tests.support import factories as f
from webapp.respond.context import form_token

CONTACT = "inclusion@harcourt.example"
NEXT_SESSION = "after your next reverse-mentoring session, a new link comes by e-mail"
NEXT_SESSION_SENTENCE = f"You do not need to do anything: {NEXT_SESSION}."
UNKNOWN = "This survey link is not valid. Check that you copied all of it."
ANSWERED = "This survey has already been answered with this link. Thank you!"
SHIPPED = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]


@pytest.fixture
def app(sqlite_db: Database, make_settings: Callable[..., Any]) -> Any:
    from webapp import create_app

    settings = make_settings(database_url=sqlite_db.url, secret_key=f.SECRET)
    return create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)


@pytest.fixture
def links(sqlite_db: Database) -> dict[str, str]:
    with sqlite_db.transaction() as session:
        firm = f.firm(session, name="Harcourt & Vale", reply_to=CONTACT)
        return f.invited_pair(session, firm_=firm)


def text(page: Any) -> str:
    markup = page.get_data(as_text=True)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", markup).split()))


def same_spaces(words: str) -> str:
    """``words`` spaced as :func:`text` spaces a page (French puts no-break spaces before ? !)."""
    return " ".join(words.split())


def assert_participant_page(page: Any) -> None:
    markup = page.get_data(as_text=True)
    assert "Staff sign-in" not in markup and "Flipside home page" not in markup
    assert 'href="/"' not in markup  # no way into the staff site
    assert "What to do next" in markup


def test_an_unknown_link_says_to_check_it_and_ask_the_firms_d_and_i_team(
    client: FlaskClient,
) -> None:
    for token in ("A" * 22, "short"):
        page = client.get(f"/s/{token}")
        assert page.status_code == 404
        assert_participant_page(page)
        words = text(page)
        assert "This link does not work" in words and "copied all of it" in words
        assert NEXT_SESSION in words
        assert "Ask the diversity and inclusion team at your firm" in words


def test_an_answered_link_says_a_new_one_comes_with_the_next_session(
    client: FlaskClient, links: dict[str, str], sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        for invitation in session.scalars(select(SurveyInvitation)):
            invitation.responded = True
    page = client.get(f"/s/{links['mentor']}")
    assert page.status_code == 410
    assert_participant_page(page)
    words = text(page)
    assert "already been answered" in words and NEXT_SESSION in words
    assert f"Harcourt & Vale's diversity and inclusion team: {CONTACT}" in words
    assert f'href="mailto:{CONTACT}"' in page.get_data(as_text=True)


def test_an_expired_link_ends_there_on_a_view_and_on_a_submission(
    client: FlaskClient, links: dict[str, str], sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        for invitation in session.scalars(select(SurveyInvitation)):
            invitation.expires_at = utcnow() - timedelta(minutes=1)
        firm = f.firm(session)  # a firm without a D&I address: its name is still given
        other = f.invited_pair(session, firm_=firm)
        for invitation in session.scalars(select(SurveyInvitation)):
            invitation.expires_at = utcnow() - timedelta(minutes=1)
    posted = client.post(
        f"/s/{links['mentee']}",
        data={"gained_insight": "4", "csrf_token": form_token(f.SECRET, links["mentee"])},
    )
    for page in (client.get(f"/s/{links['mentor']}"), posted):
        assert page.status_code == 410
        assert_participant_page(page)
        assert "expired" in text(page) and CONTACT in text(page)
    page = client.get(f"/s/{other['mentor']}")
    assert page.status_code == 410 and "mailto:" not in page.get_data(as_text=True)
    assert f"Ask the diversity and inclusion team at {firm.name}, who run" in text(page)


def test_an_opted_out_link_offers_the_way_back_on_its_opt_out_page(
    client: FlaskClient, links: dict[str, str]
) -> None:
    client.post(f"/s/{links['mentee']}/opt-out", data={"scope": "survey"})
    page = client.get(f"/s/{links['mentee']}")
    assert page.status_code == 410
    assert_participant_page(page)
    assert f'href="/s/{links["mentee"]}/opt-out"' in page.get_data(as_text=True)
    assert "change which e-mails you get" in text(page) and CONTACT in text(page)


def test_an_expired_climate_link_says_the_next_round_brings_a_new_one(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        programme = f.programme(session, f.firm(session, reply_to=CONTACT))
        f.pairing(session, programme)
        round_, _ = launch_round(
            session, programme.id, "baseline", date.today() + timedelta(days=7), f.SECRET
        )
        invitation = session.scalars(
            select(SurveyInvitation).where(SurveyInvitation.round_id == round_.id)
        ).first()
        assert invitation is not None
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        token = f.token_of(invitation)
    page = client.get(f"/s/{token}")
    assert page.status_code == 410
    assert_participant_page(page)
    assert "the next survey round comes with a new link by e-mail" in text(page)
    assert NEXT_SESSION not in text(page) and CONTACT in text(page)


def test_unknown_opt_out_and_we_met_links_end_on_the_participant_page(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session)
        tampered = met_token(f.SECRET, pairing.id, pairing.mentor_id)[:-2] + "xx"
    for path in ("/s/" + "B" * 22 + "/opt-out", f"/met/{tampered}", "/met/1.2.AAAA"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert_participant_page(page)
        assert "not valid" in text(page)


def test_ended_link_reads_why_and_the_firm_only_for_a_real_token(
    links: dict[str, str], sqlite_db: Database
) -> None:
    with sqlite_db.sessions() as session:
        assert ended_link(session, "short").reason == "unknown"
        assert ended_link(session, "C" * 22).firm_name is None
        found = ended_link(session, links["mentor"])
    assert (found.firm_name, found.contact, found.climate) == ("Harcourt & Vale", CONTACT, False)


def test_the_error_summary_reads_as_sentences(client: FlaskClient, links: dict[str, str]) -> None:
    page = client.get(f"/s/{links['mentee']}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(True))
    assert token
    posted = client.post(f"/s/{links['mentee']}", data={"csrf_token": token.group(1)})
    assert posted.status_code == 422
    summary = posted.get_data(as_text=True).split('id="error-summary"')[1].split("</div>")[0]
    assert "different from my own. Please answer this question." in summary
    assert ".:" not in summary and "?:" not in summary
    assert re.search(r'id="error-summary"[^>]*autofocus', posted.get_data(as_text=True))


@pytest.mark.parametrize("language", SHIPPED)
def test_a_dead_end_is_in_the_browsers_language_with_the_switcher(
    client: FlaskClient, links: dict[str, str], sqlite_db: Database, language: str
) -> None:
    gettext = translations(language).gettext
    with sqlite_db.transaction() as session:
        for invitation in session.scalars(select(SurveyInvitation)):
            invitation.responded = True
    header = {"Accept-Language": f"{language};q=0.9, en;q=0.5"}
    unknown = client.get("/s/" + "A" * 22, headers=header)
    answered = client.get(f"/s/{links['mentor']}", headers=header)
    assert (unknown.status_code, answered.status_code) == (404, 410)
    for page, heading, message in (
        (unknown, "This link does not work", UNKNOWN),
        (answered, "This link no longer works", ANSWERED),
    ):
        markup = page.get_data(as_text=True)
        assert f'<html lang="{language}">' in markup
        assert f"<h1>{gettext(heading)}</h1>" in markup
        assert same_spaces(gettext(message)) in text(page) and message not in text(page)
        assert "What to do next" not in markup and gettext("What to do next") in markup
        assert "Staff sign-in" not in markup and 'href="/"' not in markup
        assert f'href="?lang={language}" lang="{language}" hreflang="{language}" aria-current' in (
            markup
        )
    address = f'<a href="mailto:{CONTACT}">{CONTACT}</a>'
    contact = gettext("Questions? Write to %(firm)s's diversity and inclusion team: %(address)s.")
    assert contact % {"firm": "Harcourt &amp; Vale", "address": address} in (
        answered.get_data(as_text=True)
    )
    assert same_spaces(gettext(NEXT_SESSION_SENTENCE)) in text(answered)


def test_the_switcher_and_a_sent_back_form_choose_the_dead_ends_language(
    client: FlaskClient, links: dict[str, str], sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        for invitation in session.scalars(select(SurveyInvitation)):
            invitation.expires_at = utcnow() - timedelta(minutes=1)
    german = {"Accept-Language": "de"}
    picked = client.get(f"/s/{links['mentor']}?lang=es", headers=german)
    assert "Este enlace a la encuesta ha caducado." in text(picked)
    assert "<h1>Este enlace ya no funciona</h1>" in picked.get_data(as_text=True)
    # A page rendered in French and sent after the link expired answers in French.
    posted = client.post(
        f"/s/{links['mentee']}",
        data={"lang": "fr", "csrf_token": form_token(f.SECRET, links["mentee"])},
        headers=german,
    )
    assert posted.status_code == 410
    assert "Ce lien vers le questionnaire a expiré." in text(posted)
    assert "Une question ? Écrivez à l'équipe diversité et inclusion de Harcourt & Vale" in (
        text(posted)
    )
    # No language asked for and none the page knows: English.
    assert "This link no longer works" in text(client.get(f"/s/{links['mentor']}"))


def test_an_opted_out_dead_end_links_to_the_opt_out_page_in_its_language(
    client: FlaskClient, links: dict[str, str]
) -> None:
    client.post(f"/s/{links['mentee']}/opt-out", data={"scope": "survey"})
    page = client.get(f"/s/{links['mentee']}", headers={"Accept-Language": "fr-FR"})
    assert page.status_code == 410
    opt_out = f'<a href="/s/{links["mentee"]}/opt-out">modifiez vos préférences de réception</a>'
    assert (
        "Vous avez demandé à ne plus recevoir ces e-mails. Pour les recevoir de nouveau, "
        f"{opt_out}." in page.get_data(as_text=True)
    )
