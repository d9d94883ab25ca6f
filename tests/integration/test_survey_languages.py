"""The participant's pages in English, French, German and Spanish: which language a
person gets (the switcher, the HR file, the browser, the firm), and that the language
never reaches what is sealed or stored with an answer."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from nacl.public import PrivateKey, SealedBox
from sqlalchemy import select

from surveys.db.models import Firm, SealedSubmission, SurveyInvitation
from surveys.db.session import Database
from surveys.definitions import catalogue
from surveys.languages import LANGUAGES, translations
from surveys.services.tokens import hash_token
from tests.support import factories as f
from tests.support.sealing import keys_for_tests


@pytest.fixture
def app(sqlite_db: Database, make_settings: Callable[..., Any]) -> Any:
    from webapp import create_app

    settings = make_settings(database_url=sqlite_db.url, secret_key=f.SECRET)
    return create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)


def invited(db: Database, *, person: str | None = None, firm: str | None = None) -> dict[str, str]:
    """Pulse links for a pair; ``person``: both people's HR language, ``firm``: the default."""
    with db.transaction() as session:
        tokens = f.invited_pair(session)
        for token in tokens.values():
            invitation = session.scalar(
                select(SurveyInvitation).where(SurveyInvitation.token_hash == hash_token(token))
            )
            assert invitation is not None
            invitation.person.language = person
            session.get(Firm, invitation.person.firm_id).default_language = firm  # type: ignore[union-attr]
        return tokens


def _(language: str, message: str) -> str:
    """``message`` as the shipped catalogue of ``language`` has it."""
    return translations(language).gettext(message)


def page_language(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)[:2]


def form_of(html: str) -> dict[str, str]:
    """The hidden fields a page posts back (the CSRF token, context, survey, language)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            assert name and value, tag
            fields[name.group(1)] = value.group(1)
    return fields


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_survey_page_renders_in_each_shipped_language(
    client: FlaskClient, sqlite_db: Database, language: str
) -> None:
    tokens = invited(sqlite_db)
    page = client.get(f"/s/{tokens['mentor']}?lang={language}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    definition = catalogue().pulse_for("mentor").in_language(language)
    assert definition.language == language
    assert page_language(html) == language
    assert f"<h1>{definition.title}</h1>" in html
    for question in definition.questions:
        assert question.text.replace("'", "&#39;") in html, question.key
    assert definition.question("spoke_openly").labels[4].replace("'", "&#39;") in html
    assert definition.question("topics").options[0].label in html
    for message in ("Your answers are anonymous.", "Send my answers", "Skip to content"):
        assert _(language, message).replace("'", "&#39;") in html
    assert f'<input type="hidden" name="lang" value="{language}">' in html
    # The switcher: a plain link to this page in each language, the current one marked.
    for code in LANGUAGES:
        assert f'href="?lang={code}"' in html
    assert re.search(rf'hreflang="{language}" aria-current="true"', html)
    if language != "en":
        assert "I could speak openly in this session." not in html
        assert "Strongly agree" not in html


@pytest.mark.parametrize(
    ("hr", "browser", "firm", "switched", "expected"),
    [
        (None, None, None, None, "en"),
        (None, "de-DE,de;q=0.9,en;q=0.5", None, None, "de"),
        (None, "de-DE,de;q=0.9", "es", None, "de"),  # the browser before the firm
        ("es", "de-DE,de;q=0.9", "fr", None, "es"),  # the HR file before the browser
        ("es", "de", "fr", "fr", "fr"),  # the switcher before everything
        (None, "it-IT,it;q=0.9", "de", None, "de"),  # no shipped language: the firm's
        (None, None, "fr", None, "fr"),
        ("fr-CA", None, None, None, "fr"),
    ],
)
def test_the_language_is_the_switchers_then_the_hr_files_then_the_browsers_then_the_firms(
    client: FlaskClient,
    sqlite_db: Database,
    hr: str | None,
    browser: str | None,
    firm: str | None,
    switched: str | None,
    expected: str,
) -> None:
    tokens = invited(sqlite_db, person=hr, firm=firm)
    headers = {"Accept-Language": browser} if browser else {}
    path = f"/s/{tokens['mentee']}" + (f"?lang={switched}" if switched else "")
    html = client.get(path, headers=headers).get_data(as_text=True)
    assert page_language(html) == expected
    title = catalogue().pulse_for("mentee").in_language(expected).title
    assert f"<h1>{title}</h1>" in html


def test_pages_reused_from_the_cache_keep_each_language_apart(
    client: FlaskClient, sqlite_db: Database
) -> None:
    """The first view of a survey version is rendered once and reused: per language."""
    tokens = invited(sqlite_db)
    english = catalogue().pulse_for("mentor")
    for language in ("fr", "en", "de", "fr", "en"):
        html = client.get(f"/s/{tokens['mentor']}", headers={"Accept-Language": language})
        text = html.get_data(as_text=True)
        assert page_language(text) == language
        expected = english.in_language(language).questions[0].text.replace("'", "&#39;")
        assert expected in text
        others = [english.in_language(o).questions[0].text for o in LANGUAGES if o != language]
        assert not any(o.replace("'", "&#39;") in text for o in others)


def test_a_page_sent_back_for_correction_stays_in_its_language_with_translated_messages(
    client: FlaskClient, sqlite_db: Database
) -> None:
    tokens = invited(sqlite_db, person="fr")
    path = f"/s/{tokens['mentor']}"
    fields = form_of(client.get(path).get_data(as_text=True))
    assert fields["lang"] == "fr"
    # The browser prefers English; the page's own language comes back with the form.
    sent = client.post(
        path, data={**fields, "spoke_openly": "4"}, headers={"Accept-Language": "en"}
    )
    assert sent.status_code == 422
    html = sent.get_data(as_text=True)
    assert page_language(html) == "fr"
    assert "Veuillez répondre à cette question." in html
    assert "Please answer this question." not in html
    assert "Un problème est survenu" in html  # the error summary's heading


def opened(db: Database) -> list[list[Any]]:
    """Every sealed submission's plaintext, as the mixer would open it."""
    box = SealedBox(PrivateKey(keys_for_tests().private_key))  # type: ignore[arg-type]
    with db.sessions() as session:
        rows = session.scalars(select(SealedSubmission)).all()
        return [json.loads(box.decrypt(row.sealed).rstrip(b" ")) for row in rows]


def stored_shape(db: Database) -> list[tuple[str, ...]]:
    with db.sessions() as session:
        rows = session.scalars(select(SealedSubmission)).all()
        return [tuple(sorted(c.key for c in SealedSubmission.__table__.columns)) for _ in rows]


def test_a_french_submission_seals_and_stores_nothing_about_its_language(
    client: FlaskClient, sqlite_db: Database
) -> None:
    """The language would narrow the group an answer hides in: it is only ever used to
    render. A French and an English submission with the same answers are the same shape,
    and nothing in the sealed box or the stored row says which language either was in."""
    french, english = invited(sqlite_db, person="fr"), invited(sqlite_db, person="en")
    answers = {k: v for k, v in f.MENTOR_ANSWERS.items() if k != "comment"}
    for tokens in (french, english):
        path = f"/s/{tokens['mentor']}"
        fields = form_of(client.get(path).get_data(as_text=True))
        done = client.post(path, data={**fields, **answers})
        assert done.status_code == 303, done.get_data(as_text=True)[:500]
    boxes = opened(sqlite_db)
    assert len(boxes) == 2
    # [version, survey, v, firm, programme, round, cohort, period, tag, alias, answers, person]
    first, second = boxes
    assert len(first) == len(second) == 12
    differing = {i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b}
    # Only the firm and programme (two pairs) and the person's tags differ: no language.
    assert differing <= {3, 4, 8, 11}
    assert first[10] == second[10]  # the same answers, by key, whatever the page's language
    for box in boxes:
        text = json.dumps(box)
        assert not re.search(r'"(fr|en|fran[cç]ais|french)"', text, re.I)
    shapes = stored_shape(sqlite_db)
    assert shapes[0] == shapes[1] and not any("lang" in c for c in shapes[0])


def test_thanks_follows_the_page_language_and_names_it_only_when_the_browser_would_not(
    client: FlaskClient, sqlite_db: Database
) -> None:
    answers = {k: v for k, v in f.MENTOR_ANSWERS.items() if k != "comment"}
    for browser, expected_location in (("de", "/s/thanks?lang=fr"), ("fr", "/s/thanks")):
        tokens = invited(sqlite_db, person="fr")
        path = f"/s/{tokens['mentor']}"
        headers = {"Accept-Language": browser}
        fields = form_of(client.get(path, headers=headers).get_data(as_text=True))
        done = client.post(path, data={**fields, **answers}, headers=headers)
        assert done.status_code == 303
        assert done.headers["Location"] == expected_location
        thanks = client.get(expected_location, headers=headers).get_data(as_text=True)
        assert page_language(thanks) == "fr" and "Vos réponses sont enregistrées." in thanks


@pytest.mark.parametrize(
    ("browser", "expected"),
    [("fr-FR,fr;q=0.9", "Ce lien vers le questionnaire n'est pas valide."), ("es", "no es válido")],
)
def test_a_dead_link_says_so_in_the_browsers_language(
    client: FlaskClient, browser: str, expected: str
) -> None:
    page = client.get("/s/AAAAAAAAAAAAAAAAAAAAAA", headers={"Accept-Language": browser})
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert expected.replace("'", "&#39;") in html
    assert page_language(html) == browser[:2]


def test_staff_pages_stay_english_whatever_the_browser_prefers(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "fr"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert 'lang="en-GB"' in html and "Skip to content" in html


def test_the_opt_out_page_is_in_the_persons_language_and_switches_by_link(
    client: FlaskClient, sqlite_db: Database
) -> None:
    tokens = invited(sqlite_db, person="de")
    html = client.get(f"/s/{tokens['mentor']}/opt-out").get_data(as_text=True)
    assert page_language(html) == "de" and "Was möchten Sie abbestellen?" in html
    done = client.post(f"/s/{tokens['mentor']}/opt-out?lang=es", data={"scope": "survey"})
    text = done.get_data(as_text=True)
    assert page_language(text) == "es" and "Ya no recibirá correos sobre esta encuesta." in text


def test_only_people_and_firms_have_a_language_column() -> None:
    """Nothing stored with an answer (responses, answers, sealed submissions, released
    cells, exports) can say which language a survey was answered in."""
    from surveys.db.base import Base

    with_language = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if "lang" in column.name
    }
    assert with_language == {("people", "language"), ("firms", "default_language")}


def test_we_met_is_in_the_persons_language_and_so_are_its_refusals(
    client: FlaskClient, sqlite_db: Database
) -> None:
    from datetime import date, timedelta

    from surveys.services.tokens import met_token

    with sqlite_db.transaction() as session:
        pairing = f.pairing(session)
        pairing.mentor.language = "es"
        link = f"/met/{met_token(f.SECRET, pairing.id, pairing.mentor_id)}"
    html = client.get(link).get_data(as_text=True)
    assert page_language(html) == "es" and "¿Cuándo se reunieron?" in html
    fields = form_of(html)
    future = (date.today() + timedelta(days=5)).isoformat()
    refused = client.post(link, data={**fields, "held_on": future})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "No se puede registrar una reunión antes de que haya tenido lugar." in text
    garbled = client.post(link, data={**fields, "held_on": "ayer"})
    assert "Por favor, indique una fecha." in garbled.get_data(as_text=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_shipped_instrument_renders_every_text_in_each_language(
    app: Any, language: str
) -> None:
    """The mentor and mentee pulses and the climate survey: title, questions, hints, option
    labels, Likert labels and scale anchors all appear in the page's language."""
    from markupsafe import escape

    from webapp.languages import use
    from webapp.respond.page import full_render

    for base in catalogue().all():
        definition = base.in_language(language)
        with app.test_request_context(f"/s/x?lang={language}"):
            use(language)
            html = full_render(definition, k=5, context="", form_token="t")
        assert page_language(html) == language
        texts = [definition.title, definition.intro]
        for question in definition.questions:
            texts += [question.text, question.help, question.low_label, question.high_label]
            texts += list(question.labels) + [o.label for o in question.options]
        for text in filter(None, texts):
            assert str(escape(text)) in html, (definition.key, text)
