"""The participant's pages: answering, bad tokens, bad answers, CSRF, opting out, "we met"."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys import outbox
from surveys.db.models import Meeting, OutboxEvent, Response, SealedSubmission, SurveyInvitation
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.services.tokens import met_token
from tests.support import factories as f
from tests.support.participants import waiting
from webapp.respond.context import form_token


@pytest.fixture
def app(sqlite_db: Database, make_settings: Callable[..., Any]) -> Any:
    from webapp import create_app

    settings = make_settings(database_url=sqlite_db.url, secret_key=f.SECRET)
    return create_app({"TESTING": True, "FLIPSIDE_DATABASE": sqlite_db}, settings=settings)


@pytest.fixture
def tokens(sqlite_db: Database) -> dict[str, str]:
    with sqlite_db.transaction() as session:
        return f.invited_pair(session)


def form_post(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    page = client.get(path)
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data)
    assert match, page.data[:500]
    return client.post(path, data={**data, "csrf_token": match.group(1).decode()})


def sealed(db: Database) -> int:
    """Submissions written: sealed, never a plain response (the mixer stores those later)."""
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0
        return session.scalar(select(func.count()).select_from(SealedSubmission)) or 0


def test_the_survey_page_shows_every_question_and_how_answers_are_protected(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    page = client.get(f"/s/{tokens['mentor']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Your answers are anonymous." in html
    promise = re.search(r'<p class="protection">(.*?)</p>', html, re.S)
    assert promise is not None
    assert (
        re.sub(r"<[^>]+>|\s+", " ", promise.group(1)).split()
        == (
            "Your answers are anonymous. They are sealed when you submit them and stored only "
            "together with other people's answers, at least 5 people in each batch, with no date "
            "and nothing that links them to this link or to you. Results are only ever shown for "
            "groups of at least 5 people."
        ).split()
    )
    assert "I could speak openly in this session." in html
    assert html.count("<fieldset") == 5 and "<textarea" in html
    assert page.headers["Cache-Control"] == "no-store"


def test_the_comment_box_states_its_limit_without_javascript_and_counts_with_it(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    """The limit is in the markup (maxlength and a hint the box is described by), in the
    page's language; the counter script is only an enhancement of it."""
    for language, hint in (("en", "500 characters at most."), ("fr", "500 caractères au maximum.")):
        html = client.get(f"/s/{tokens['mentor']}?lang={language}").get_data(as_text=True)
        box = re.search(r"<textarea[^>]*>", html)
        assert box is not None
        assert 'maxlength="500"' in box.group(0)
        described = re.search(r'aria-describedby="([^"]+)"', box.group(0))
        assert described is not None and "limit-comment" in described.group(1).split()
        assert f'<span class="limit" id="limit-comment">{hint}</span></p>' in html
        assert 'data-counter="' in box.group(0) and "{n}" in box.group(0)
        assert '<script src="/static/counter.js" defer></script>' in html
    script = client.get("/static/counter.js")
    assert script.status_code == 200 and b"maxlength" in script.data
    script.close()


def test_the_page_promises_the_firms_own_k_which_the_mixer_batches_at(
    client: FlaskClient, sqlite_db: Database
) -> None:
    """A firm may set k between 3 and 10; the page must not promise the global 5 when the
    mixer batches that firm's answers at 3 (nor 5 when it batches them at 8), also when a
    page comes back with an answer to correct."""
    with sqlite_db.transaction() as session:
        small = f.invited_pair(session, firm_=f.firm(session, min_group_size=3))
        large = f.invited_pair(session, firm_=f.firm(session, min_group_size=8))
    for tokens, k in ((small, 3), (large, 8)):
        html = client.get(f"/s/{tokens['mentor']}").get_data(as_text=True)
        assert f"at least {k} people in each batch" in html
        assert "at least 5 people" not in html
        signed = re.search(r'name="context" value="([^"]+)"', html)
        assert signed is not None  # the page carries its signed context back
        again = form_post(
            client, f"/s/{tokens['mentor']}", {"useful": "9", "context": signed.group(1)}
        )
        assert again.status_code == 422
        assert f"at least {k} people in each batch" in again.get_data(as_text=True)


def test_answering_stores_one_response_and_thanks_the_participant(
    client: FlaskClient, tokens: dict[str, str], sqlite_db: Database
) -> None:
    answers = {
        "spoke_openly": "4",
        "mentee_engaged": "5",
        "good_use_of_time": "2",
        "topics": ["technology", "other"],
        "recommend_programme": "7",
        "comment": "",
    }
    response = form_post(client, f"/s/{tokens['mentor']}", answers)
    assert response.status_code == 303 and response.headers["Location"].endswith("/s/thanks")
    assert "Thank you" in client.get("/s/thanks").get_data(as_text=True)
    assert sealed(sqlite_db) == 1
    again = client.get(f"/s/{tokens['mentor']}")
    assert again.status_code == 410 and "already been answered" in again.get_data(as_text=True)


def test_a_page_submission_writes_once_on_either_database_and_nudges_no_relay(
    db: Database, make_settings: Callable[..., Any]
) -> None:
    """The page's signed context takes the one-write path on a bare connection; it must
    store exactly what the session path stores, and (writing no outbox event) nudge no relay."""
    from webapp import create_app

    settings = make_settings(database_url=db.url, secret_key=f.SECRET)
    app = create_app({"TESTING": True, "FLIPSIDE_DATABASE": db}, settings=settings)
    with db.transaction() as session:
        tokens = f.invited_pair(session)
    heard: list[int] = []
    outbox.on_commit(lambda: heard.append(sealed(db)))  # what is committed when nudged
    try:
        client = app.test_client(use_cookies=False)
        answers = {**f.MENTOR_ANSWERS, "topics": ["technology", "other"]}
        bad = form_post(client, f"/s/{tokens['mentor']}", {**answers, "spoke_openly": "9"})
        assert bad.status_code == 422 and sealed(db) == 0 and heard == []
        page = client.get(f"/s/{tokens['mentor']}").get_data(as_text=True)
        fields = dict(
            re.findall(r'name="(csrf_token|context)" (?:type="hidden" )?value="([^"]+)"', page)
        )
        assert set(fields) == {"csrf_token", "context"}
        sent = client.post(f"/s/{tokens['mentor']}", data={**answers, **fields})
        assert sent.status_code == 303
        assert sealed(db) == 1 and heard == []  # committed; nothing for the relay to do
        again = client.post(f"/s/{tokens['mentor']}", data={**answers, **fields})
        assert again.status_code == 410 and "already been answered" in again.get_data(as_text=True)
        with db.sessions() as session:
            announced = select(func.count()).where(OutboxEvent.topic != "invitation.issued")
            assert session.scalar(announced) == 0
        (stored,) = waiting(db)
        assert (stored.role, stored.survey_key) == ("mentor", "mentor_pulse")
        topics = sorted(a.item for a in stored.answers if a.question_key == "topics")
        assert topics == ["other", "technology"]
        assert heard == []
    finally:
        outbox.clear_commit_listeners()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"spoke_openly": None}, "Please answer this question."),
        ({"spoke_openly": "7"}, "Please choose a number from 1 to 5."),
        ({"recommend_programme": "-1"}, "Please choose a number from 0 to 10."),
        ({"topics": ["golf"]}, "Please choose from the options shown."),
        ({"comment": "x" * 501}, "to 500 characters at most (it has 501)"),
        ({"comment": "a\x07b"}, "invisible control characters"),
    ],
)
def test_bad_answers_show_the_form_again_with_messages_and_store_nothing(
    client: FlaskClient,
    tokens: dict[str, str],
    sqlite_db: Database,
    change: dict[str, Any],
    message: str,
) -> None:
    answers: dict[str, Any] = {
        "spoke_openly": "4",
        "mentee_engaged": "5",
        "good_use_of_time": "2",
        "recommend_programme": "7",
    }
    answers.update(change)
    answers = {k: v for k, v in answers.items() if v is not None}
    page = form_post(client, f"/s/{tokens['mentor']}", answers)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "There is a problem" in html and message.lower() in html.lower()
    assert 'href="#q-' in html  # the summary links to the question
    assert sealed(sqlite_db) == 0


def test_unknown_and_malformed_tokens_get_a_clear_404(client: FlaskClient) -> None:
    for token in ("A" * 22, "short", "x" * 300):
        page = client.get(f"/s/{token}")
        assert page.status_code == 404
        assert "not valid" in page.get_data(as_text=True)


def test_an_expired_link_gets_410_and_writes_nothing(
    client: FlaskClient, tokens: dict[str, str], sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        for invitation in session.scalars(select(SurveyInvitation)):
            invitation.expires_at = utcnow() - timedelta(minutes=1)
    assert client.get(f"/s/{tokens['mentor']}").status_code == 410
    link_token = form_token(f.SECRET, tokens["mentor"])  # what the page had carried
    posted = client.post(
        f"/s/{tokens['mentor']}", data={"spoke_openly": "4", "csrf_token": link_token}
    )
    assert posted.status_code == 410 and "expired" in posted.get_data(as_text=True)
    assert sealed(sqlite_db) == 0


def test_a_forged_or_missing_csrf_token_is_refused_with_400(
    app: Any, tokens: dict[str, str], sqlite_db: Database
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    data = {
        "spoke_openly": "4",
        "mentee_engaged": "5",
        "good_use_of_time": "2",
        "recommend_programme": "7",
    }
    assert client.post(f"/s/{tokens['mentor']}", data=data).status_code == 400
    forged = client.post(f"/s/{tokens['mentor']}", data={**data, "csrf_token": "forged"})
    assert forged.status_code == 400
    # The token served with another link's page does not open this one.
    foreign = form_token(f.SECRET, tokens["mentee"])
    refused = client.post(f"/s/{tokens['mentor']}", data={**data, "csrf_token": foreign})
    assert refused.status_code == 400 and "Reload the page" in refused.get_data(as_text=True)
    # A session's token (what a staff page would carry) is no token for a survey link.
    login = client.get("/auth/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login)
    assert match
    staff = client.post(f"/s/{tokens['mentor']}", data={**data, "csrf_token": match.group(1)})
    assert staff.status_code == 400
    assert sealed(sqlite_db) == 0
    with sqlite_db.sessions() as session:
        assert not any(session.scalars(select(SurveyInvitation.responded)))


def test_the_participant_pages_set_no_cookie_and_need_none(
    app: Any, tokens: dict[str, str], sqlite_db: Database
) -> None:
    """No session follows a participant from one link to the next: the survey and "we met"
    pages set no cookie, and a browser that sends none can still answer."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client(use_cookies=False)
    path = f"/s/{tokens['mentor']}"
    page = client.get(path)
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    match = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
    )
    assert match
    answers = {
        "spoke_openly": "4",
        "mentee_engaged": "5",
        "good_use_of_time": "2",
        "recommend_programme": "7",
        "csrf_token": match.group(1),
    }
    missing = client.post(path, data={**answers, "spoke_openly": ""})
    assert missing.status_code == 422 and "Set-Cookie" not in missing.headers
    sent = client.post(path, data=answers)
    assert sent.status_code == 303 and "Set-Cookie" not in sent.headers
    assert sealed(sqlite_db) == 1
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session)
        pairing_id = pairing.id
        link = f"/met/{met_token(f.SECRET, pairing.id, pairing.mentor_id)}"
    met_page = client.get(link)
    assert met_page.status_code == 200 and "Set-Cookie" not in met_page.headers
    met_csrf = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', met_page.get_data(as_text=True)
    )
    assert met_csrf
    wrong = client.post(link, data={"held_on": "2026-01-05", "csrf_token": match.group(1)})
    assert wrong.status_code == 400
    met = client.post(link, data={"held_on": "2026-01-05", "csrf_token": met_csrf.group(1)})
    assert met.status_code == 200 and "Set-Cookie" not in met.headers
    with sqlite_db.sessions() as session:
        held = select(func.count()).where(Meeting.pairing_id == pairing_id)
        assert session.scalar(held) == 1


def test_opting_out_stops_the_link_in_one_click(
    client: FlaskClient, tokens: dict[str, str], sqlite_db: Database
) -> None:
    confirm = client.get(f"/s/{tokens['mentee']}/opt-out")
    assert confirm.status_code == 200  # a GET (mail scanners prefetch) changes nothing
    with sqlite_db.sessions() as session:
        assert not any(session.scalars(select(SurveyInvitation.opted_out)))
    done = client.post(f"/s/{tokens['mentee']}/opt-out", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert client.get(f"/s/{tokens['mentee']}").status_code == 410


def test_either_participant_can_say_we_met_and_a_double_click_records_one_meeting(
    client: FlaskClient, sqlite_db: Database
) -> None:
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session)
        links = [
            f"/met/{met_token(f.SECRET, pairing.id, person)}"
            for person in (pairing.mentor_id, pairing.mentee_id)
        ]
    day = date.today().isoformat()
    for link in links:
        assert form_post(client, link, {"held_on": day}).status_code == 200
    with sqlite_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == 1
    future = (date.today() + timedelta(days=3)).isoformat()
    page = form_post(client, links[0], {"held_on": future})
    assert page.status_code == 422 and "before it has happened" in page.get_data(as_text=True)


def test_a_tampered_we_met_link_is_404(client: FlaskClient, sqlite_db: Database) -> None:
    with sqlite_db.transaction() as session:
        pairing = f.pairing(session)
        stranger = f.person(session, pairing.programme.firm)
        link = f"/met/{met_token(f.SECRET, pairing.id, stranger.id)}"
    assert client.get(link).status_code == 404
    assert client.get("/met/1.2.AAAA").status_code == 404


def hidden_context(html: str) -> str:
    match = re.search(r'name="context" value="([^"]+)"', html)
    assert match, "no context on the page"
    return match.group(1)


def test_the_page_carries_only_coarse_bands_signed_and_bound_to_its_link(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    raw = hidden_context(client.get(f"/s/{tokens['mentor']}").get_data(as_text=True))
    # Anyone can read it (it is signed, not encrypted): so it must hold nothing personal.
    payload = raw.split(".")[0]
    binding, data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(data) == {
        "invitation_id",
        "survey_key",
        "survey_version",
        "firm_id",
        "programme_id",
        "round_id",
        "role",
        "level_band",
        "tenure_band",
        "gender_group",
        "person_ref",
    }
    # the person's keyed reference for this survey (counts people in the mixer): opaque
    assert re.fullmatch(r"[0-9a-f]{64}", data["person_ref"])
    assert tokens["mentor"] not in raw and len(binding) == 16


@pytest.mark.parametrize("tamper", ["forged", "foreign"])
def test_a_forged_or_foreign_context_is_ignored_and_the_submission_still_right(
    client: FlaskClient, tokens: dict[str, str], sqlite_db: Database, tamper: str
) -> None:
    page = client.get(f"/s/{tokens['mentor']}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf
    if tamper == "forged":
        context = hidden_context(page)[:-3] + "AAA"
    else:  # the mentee's page context, sent with the mentor's link
        context = hidden_context(client.get(f"/s/{tokens['mentee']}").get_data(as_text=True))
    answers = {
        "spoke_openly": "4",
        "mentee_engaged": "5",
        "good_use_of_time": "2",
        "recommend_programme": "7",
        "csrf_token": csrf.group(1),
        "context": context,
    }
    assert client.post(f"/s/{tokens['mentor']}", data=answers).status_code == 303
    (stored,) = waiting(sqlite_db)
    assert (stored.survey_key, stored.role) == ("mentor_pulse", "mentor")


def test_a_page_opened_before_expiry_cannot_submit_after_it(
    client: FlaskClient, tokens: dict[str, str], sqlite_db: Database
) -> None:
    page = client.get(f"/s/{tokens['mentor']}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf
    with sqlite_db.transaction() as session:
        for invitation in session.scalars(select(SurveyInvitation)):
            invitation.expires_at = utcnow() - timedelta(minutes=1)
    answers = {
        "spoke_openly": "4",
        "mentee_engaged": "5",
        "good_use_of_time": "2",
        "recommend_programme": "7",
        "csrf_token": csrf.group(1),
        "context": hidden_context(page),
    }
    posted = client.post(f"/s/{tokens['mentor']}", data=answers)
    assert posted.status_code == 410 and "expired" in posted.get_data(as_text=True)
    assert sealed(sqlite_db) == 0


def test_a_context_is_only_read_back_with_its_key_its_link_and_untouched() -> None:
    from surveys.services.responses import SubmissionContext
    from webapp.respond.context import dump_context, load_context

    context = SubmissionContext(
        7, "mentor_pulse", 1, 1, 2, None, "mentor", "junior", "<2y", "woman", "ref-" + "0" * 60
    )
    raw = dump_context("k" * 40, context, "link-one")
    assert load_context("k" * 40, raw, "link-one") == context
    assert load_context("x" * 40, raw, "link-one") is None  # another server's key
    assert load_context("k" * 40, raw, "link-two") is None  # another link
    payload, signature = raw.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data[1]["role"] = "mentee"  # a participant rewriting their own cohort
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    assert load_context("k" * 40, f"{forged}.{signature}", "link-one") is None
    assert load_context("k" * 40, "", "link-one") is None
    assert load_context("k" * 40, "no-signature", "link-one") is None
