"""Submitting a response: one transaction, one response per token, no link back."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from surveys.db.models import Answer, OutboxEvent, Response, SurveyInvitation
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.domain.answers import InvalidAnswers
from surveys.services.errors import Gone, NotFound
from surveys.services.invitations import opt_out
from surveys.services.responses import submit_response
from tests.support import factories as f


def counts(db: Database) -> tuple[int, int, int]:
    with db.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Response)) or 0,
            session.scalar(select(func.count()).select_from(Answer)) or 0,
            session.scalar(select(func.count()).where(OutboxEvent.topic == "response.submitted"))
            or 0,
        )


def test_a_submission_stores_an_unlinkable_response_and_announces_it(db: Database) -> None:
    with db.transaction() as session:
        tokens = f.invited_pair(session)
    with db.transaction() as session:
        response_id = submit_response(
            session, tokens["mentor"], f.MENTOR_ANSWERS, today=date(2026, 2, 2)
        )
    with db.sessions() as session:
        stored = session.get(Response, response_id)
        assert stored is not None
        assert (stored.survey_key, stored.survey_version, stored.role) == (
            "mentor_pulse",
            1,
            "mentor",
        )
        assert stored.submitted_on == date(2026, 2, 2)
        assert (stored.level_band, stored.tenure_band) == ("junior", "5-10y")
        assert stored.pseudonym is None
        answers = session.scalars(select(Answer).where(Answer.response_id == response_id)).all()
        assert {(a.question_key, a.item, a.value) for a in answers} == {
            ("spoke_openly", "", 4),
            ("mentee_engaged", "", 5),
            ("good_use_of_time", "", 3),
            ("topics", "technology", None),
            ("topics", "wellbeing", None),
            ("recommend_programme", "", 9),
        }
        responded = session.scalars(select(SurveyInvitation.responded)).all()
        assert sorted(responded) == [False, True]
        event = session.scalars(
            select(OutboxEvent).where(OutboxEvent.topic == "response.submitted")
        ).one()
        assert event.payload == {"response_id": str(response_id)}


def test_bad_answers_write_nothing(db: Database) -> None:
    with db.transaction() as session:
        tokens = f.invited_pair(session)
    with db.sessions() as session, pytest.raises(InvalidAnswers):
        submit_response(session, tokens["mentor"], {**f.MENTOR_ANSWERS, "spoke_openly": ["9"]})
    assert counts(db) == (0, 0, 0)
    with db.sessions() as session:
        assert not any(session.scalars(select(SurveyInvitation.responded)).all())


def test_the_same_token_twice_yields_one_response(db: Database) -> None:
    with db.transaction() as session:
        tokens = f.invited_pair(session)
    with db.transaction() as session:
        submit_response(
            session,
            tokens["mentee"],
            {
                "gained_insight": ["5"],
                "will_act": ["4"],
                "open_and_honest": ["5"],
                "recommend_programme": ["8"],
            },
        )
    with db.sessions() as session, pytest.raises(Gone, match="already been answered"):
        submit_response(
            session,
            tokens["mentee"],
            {
                "gained_insight": ["1"],
                "will_act": ["1"],
                "open_and_honest": ["1"],
                "recommend_programme": ["0"],
            },
        )
    assert counts(db)[0] == 1


def test_unknown_expired_and_opted_out_tokens_cannot_answer(db: Database) -> None:
    with db.transaction() as session:
        tokens = f.invited_pair(session)
        opt_out(session, tokens["mentee"])
        invitation = session.scalars(
            select(SurveyInvitation).where(SurveyInvitation.opted_out.is_(False))
        ).one()
        invitation.expires_at = utcnow() - timedelta(seconds=1)
    with db.sessions() as session:
        with pytest.raises(NotFound):
            submit_response(session, "A" * 22, f.MENTOR_ANSWERS)
        with pytest.raises(NotFound):
            submit_response(session, "../../etc", f.MENTOR_ANSWERS)
        with pytest.raises(Gone, match="expired"):
            submit_response(session, tokens["mentor"], f.MENTOR_ANSWERS)
        with pytest.raises(Gone, match="opted out"):
            submit_response(session, tokens["mentee"], f.MENTOR_ANSWERS)
    assert counts(db) == (0, 0, 0)


def test_a_longitudinal_programme_pseudonymises_with_its_own_key(db: Database) -> None:
    with db.transaction() as session:
        tokens = f.invited_pair(session, longitudinal=True)
    with db.transaction() as session:
        response_id = submit_response(session, tokens["mentor"], f.MENTOR_ANSWERS)
    with db.sessions() as session:
        response = session.get(Response, response_id)
        assert response is not None and response.pseudonym is not None
        assert len(response.pseudonym) == 64


def test_fifty_concurrent_submissions_of_one_token_store_exactly_one(pg_db: Database) -> None:
    with pg_db.transaction() as session:
        tokens = f.invited_pair(session)
    outcomes: list[str] = []
    start = threading.Barrier(50)

    def submit() -> None:
        start.wait(timeout=30)
        try:
            with pg_db.transaction() as session:
                submit_response(session, tokens["mentor"], f.MENTOR_ANSWERS)
            outcomes.append("stored")
        except (Gone, NotFound):
            outcomes.append("refused")

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("stored") == 1 and outcomes.count("refused") == 49
    assert counts(pg_db) == (1, 6, 1)


def test_a_context_read_earlier_still_claims_only_its_own_unanswered_link(db: Database) -> None:
    from surveys.services.invitations import open_invitation
    from surveys.services.responses import submission_context

    with db.transaction() as session:
        tokens = f.invited_pair(session)
        mentor_context = submission_context(session, open_invitation(session, tokens["mentor"]))
    with db.sessions() as session, pytest.raises(Gone):
        # the mentor's context with the mentee's link: the claim matches no invitation
        submit_response(session, tokens["mentee"], f.MENTOR_ANSWERS, context=mentor_context)
    with db.transaction() as session:
        submit_response(session, tokens["mentor"], f.MENTOR_ANSWERS, context=mentor_context)
    with db.sessions() as session, pytest.raises(Gone, match="already been answered"):
        submit_response(session, tokens["mentor"], f.MENTOR_ANSWERS, context=mentor_context)
    assert counts(db)[0] == 1
