"""The participant's pages: answer a survey, opt out, say "we met". No account, no tracking."""

from __future__ import annotations

import logging
from datetime import date

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from surveys import languages
from surveys.db.models import Firm, Pairing, Person
from surveys.definitions import DefinitionError, SurveyDefinition, catalogue
from surveys.domain.answers import InvalidAnswers
from surveys.services.errors import Invalid, NotFound
from surveys.services.invitations import (
    invitation_for,
    open_invitation,
    opt_out,
    opt_out_state,
    undo_opt_out,
)
from surveys.services.meetings import report_meeting
from surveys.services.responses import (
    SubmissionContext,
    read_context,
    submission_context,
    submit_response,
)
from surveys.services.tokens import read_met_token
from surveys.settings import MIN_K, Settings
from webapp import current
from webapp.errors import render_error, sentence
from webapp.extensions import csrf
from webapp.languages import current_language, participant_language, use
from webapp.respond.blueprint import bp
from webapp.respond.context import dump_context, form_token, form_token_valid, load_context
from webapp.respond.forms import WeMetForm
from webapp.respond.page import full_render, render_page
from webapp.wording import translate

log = logging.getLogger(__name__)

#: What the page says when the database cannot take a submission (HTTP 503).
UNAVAILABLE = (
    "We could not save your answers just now. "
    "Nothing was lost on this page: please try again in a minute."
)


#: What the page says when a survey link is opened while the database is away (HTTP 503).
UNAVAILABLE_OPEN = (
    "We could not open your survey just now. Nothing is lost: please try again in a minute."
)


def _database_unreachable(exc: BaseException) -> bool:
    """A lost or refused database connection (not a bug in the query): worth a retry."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    return exc.connection_invalidated or type(exc).__name__ in {
        "OperationalError",
        "InterfaceError",
    }


def _settings() -> Settings:
    return current.settings()


def _check_form_token(secret: str, token: str) -> None:
    """Refuse a POST whose CSRF token was not served for this link (400)."""
    if current_app.config.get("WTF_CSRF_ENABLED", True) and not form_token_valid(
        secret, token, request.form.get("csrf_token")
    ):
        raise CSRFError("The form token is missing or not for this link.")


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # type: ignore[untyped-decorator]  # its CSRF token is bound to the link instead
def answer(token: str) -> ResponseReturnValue:
    """The survey page. Answers are checked once, by the survey's own rules
    (surveys.domain.answers); the WTForms form renders the page and carries
    those messages back to the fields when something needs correcting. A first
    view reuses its survey version's rendered page (webapp/respond/page.py).

    No cookie is set or read: the form's CSRF token is bound to the link."""
    secret = _settings().secret_key
    page_context = None  # the signed context a page carried back, if valid
    if request.method == "POST":
        _check_form_token(secret, token)
        page_context = load_context(secret, request.form.get("context", ""), token)
    context = page_context
    keys = _settings().required_keys
    firm_k: int | None = None  # the firm's own k, read with the invitation
    try:
        if context is None:
            # One read, with no transaction round trips around it (a view writes nothing).
            with current.database().reads() as reads:
                invitation = open_invitation(reads, token)
            use(participant_language(invitation.language, invitation.firm_language))
            if not invitation.longitudinal:  # a pseudonym never goes to the browser
                context = submission_context(invitation, keys)
            survey = (invitation.survey_key, invitation.survey_version)
            firm_k = invitation.min_group_size
        else:  # the page's own language came back with it (its ``lang`` field)
            use(participant_language())
            survey = (context.survey_key, context.survey_version)
    except Exception as exc:
        if not _database_unreachable(exc):
            raise
        posted = _posted_survey() if request.method == "POST" else None
        if posted is None:
            return _cannot_open()
        return _unavailable(posted, token, None)
    # Only the page is in the participant's language: answers are stored by key, and
    # nothing about the language goes into the submission.
    definition = catalogue().get(*survey).in_language(current_language())
    errors: dict[str, str] = {}
    if request.method == "POST":
        raw = {q.key: request.form.getlist(q.key) for q in definition.questions}
        try:
            # With the page's signed context: one write on a bare connection, no ORM session.
            with current.writing() as conn:
                known = context or read_context(current.session(), token, keys)
                submit_response(conn, token, raw, known, keys=keys)
        except InvalidAnswers as exc:
            errors = {key: translate(message) for key, message in exc.errors.items()}
        except Exception as exc:
            if not _database_unreachable(exc):
                raise
            return _unavailable(definition, token, context)
        else:
            return redirect(_thanks_url(), code=303)
    if page_context is not None:  # a page sent back with answers to correct: read its k
        firm = current.session().get(Firm, page_context.firm_id)
        firm_k = firm.min_group_size if firm else None
    page = render_page(
        definition,
        k=firm_k or _settings().min_group_size,
        context=dump_context(secret, context, token) if context else "",
        form_token=form_token(secret, token),
        errors=errors,
    )
    return page, 422 if errors else 200


def _posted_survey() -> SurveyDefinition | None:
    """The survey a posted page showed (its ``survey`` field, ``key:version``), from the
    definition files: enough to show the form again while the database is away. Never
    used to store anything: a submission reads its survey from the invitation or the
    signed context."""
    key, _, version = request.form.get("survey", "").partition(":")
    try:
        return catalogue().get(key, int(version)).in_language(current_language())
    except (ValueError, KeyError, DefinitionError):
        return None


def _unavailable(
    definition: SurveyDefinition, token: str, context: SubmissionContext | None
) -> ResponseReturnValue:
    """503: the same page with every answer sent still on it, and one sentence saying
    to try again; rendered from the definition files, with no database."""
    log.warning("survey submission refused: the database cannot be reached")
    secret = _settings().secret_key
    page = full_render(
        definition,
        # The firm's k cannot be read now; the smallest k any firm may set is always true.
        k=MIN_K,
        context=dump_context(secret, context, token) if context else "",
        form_token=form_token(secret, token),
        notice=translate(UNAVAILABLE),
    )
    return page, 503, {"Retry-After": "60"}


def _cannot_open() -> ResponseReturnValue:
    """503 for a survey link opened (or a page sent without its survey) while the database
    is away: the same status, Retry-After and advice as a refused submission."""
    log.warning("survey page refused: the database cannot be reached")
    response = current_app.make_response(render_error(503, UNAVAILABLE_OPEN))
    response.headers["Retry-After"] = "60"
    return response


def _thanks_url() -> str:
    """The thank-you page, in this page's language: named in the address only when the
    browser alone would choose another (the address holds nothing else)."""
    language = current_language()
    header = request.headers.get("Accept-Language")
    if language == languages.choose(languages.from_accept_language(header)):
        return url_for("respond.thanks")
    return url_for("respond.thanks", lang=language)


@bp.get("/s/thanks")
def thanks() -> ResponseReturnValue:
    return render_template("respond/thanks.html")


@bp.route("/s/<token>/opt-out", methods=["GET", "POST"])
@csrf.exempt  # type: ignore[untyped-decorator]  # the token authorises; RFC 8058 one-click
def opt_out_page(token: str) -> ResponseReturnValue:
    """Stop mail for this survey, the programme's pulses or the firm, or undo that.

    A GET changes nothing (mail scanners prefetch links). A POST whose body is
    ``List-Unsubscribe=One-Click`` (RFC 8058, sent by mail clients) stops the
    programme's pulses; the page's own forms send ``scope`` or ``undo``.
    """
    session = current.session()
    done = undone = None
    if request.method == "POST":
        if request.form.get("List-Unsubscribe") == "One-Click":
            done = "programme"
            opt_out(session, token, done)
        elif "undo" in request.form:
            undone = request.form.get("undo", "")
            undo_opt_out(session, token, undone)
        else:
            done = request.form.get("scope", "survey")
            opt_out(session, token, done)
        session.commit()
    invitation = invitation_for(session, token)
    firm = invitation.programme.firm
    use(participant_language(invitation.person.language, firm.default_language))
    return render_template(
        "respond/opt_out.html",
        state=opt_out_state(session, invitation),
        done=done,
        undone=undone,
    )


@bp.route("/met/<token>", methods=["GET", "POST"])
@csrf.exempt  # type: ignore[untyped-decorator]  # its CSRF token is bound to the link instead
def we_met(token: str) -> ResponseReturnValue:
    """A participant says a meeting took place; like the survey page, no cookie."""
    secret = _settings().secret_key
    if request.method == "POST":
        _check_form_token(secret, token)
    found = read_met_token(secret, token)
    session = current.session()
    pairing = session.get(Pairing, found[0]) if found else None
    if found is None or pairing is None or found[1] not in (pairing.mentor_id, pairing.mentee_id):
        raise NotFound("This link is not valid. Check that you copied all of it.")
    person = session.get(Person, found[1])
    firm = session.get(Firm, person.firm_id) if person else None
    use(
        participant_language(
            person.language if person else None, firm.default_language if firm else None
        )
    )
    form = WeMetForm(meta={"csrf": False})
    if request.method == "GET":
        form.held_on.data = date.today()
    if request.method == "POST" and form.validate():
        held_on = form.held_on.data
        assert held_on is not None
        try:
            reported = report_meeting(
                session,
                pairing.id,
                held_on,
                "participant",
                idempotency_key=f"met:{pairing.id}:{held_on.isoformat()}",
                window_days=_settings().meeting_window_days,
            )
        except Invalid as exc:
            session.rollback()
            form.held_on.errors = [translate(sentence(exc))]
        else:
            already = None if reported.new else reported.meeting.held_on
            session.commit()
            return render_template("respond/met_recorded.html", already=already)
    form.held_on.errors = [translate(str(e)) for e in form.held_on.errors]
    status = 422 if request.method == "POST" else 200
    page = render_template("respond/we_met.html", form=form, form_token=form_token(secret, token))
    return page, status
