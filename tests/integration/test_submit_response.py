"""Submitting a response: one transaction, one sealed submission per token, no link back.

Nothing is stored in plain text at submission (PRODUCT.md 2.3): the answers
wait sealed until the mixer stores them among at least k people, so the tests
read what was sealed (opened with the mixer's key) and, where they look at the
stored response, add k-1 companions of the same cohort and mix.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from surveys.db.models import Answer, OutboxEvent, PairingRecord, Response, SurveyInvitation
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.domain.answers import InvalidAnswers
from surveys.longitudinal.vault import open_record, pairing_key
from surveys.services.errors import Gone, NotFound
from surveys.services.invitations import opt_out
from surveys.services.responses import read_context, submit_response
from tests.support import factories as f
from tests.support.participants import companions, waiting, written
from tests.support.sealing import keys_for_tests, mix, submit_token

MONDAY = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)
MENTOR_ROWS = {
    ("spoke_openly", "", 4),
    ("mentee_engaged", "", 5),
    ("good_use_of_time", "", 3),
    ("topics", "technology", None),
    ("topics", "wellbeing", None),
    ("recommend_programme", "", 9),
}


def counts(db: Database) -> tuple[int, int, int]:
    """(sealed submissions, plain responses + answers, outbox events a submission wrote)."""
    return written(db)


def test_a_submission_seals_an_unlinkable_response_and_announces_nothing(db: Database) -> None:
    with db.transaction() as session:
        tokens = f.invited_pair(session)
    with db.transaction() as session:
        submit_token(session, tokens["mentor"], f.MENTOR_ANSWERS, now=MONDAY)
    assert counts(db) == (1, 0, 0)  # sealed, nothing in plain text, no outbox event
    (sealed,) = waiting(db)
    assert (sealed.survey_key, sealed.survey_version, sealed.role) == ("mentor_pulse", 1, "mentor")
    assert sealed.period == "2026-W06"
    assert (sealed.level_band, sealed.tenure_band) == ("junior", "5-10y")
    assert sealed.pseudonym is None
    assert {(a.question_key, a.item, a.value) for a in sealed.answers} == MENTOR_ROWS
    with db.sessions() as session:
        responded = session.scalars(select(SurveyInvitation.responded)).all()
        assert sorted(responded) == [False, True]
        topics = set(session.scalars(select(OutboxEvent.topic)))
        assert topics <= {"invitation.issued"}  # no event beside a submission
    with db.transaction() as session:
        companions(session, sealed, 4, {"spoke_openly": 1}, day=MONDAY.date())
    assert mix(db, today=date(2026, 2, 3)).released == 5
    with db.sessions() as session:
        stored = [
            r
            for r in session.scalars(select(Response))
            if len(session.scalars(select(Answer).where(Answer.response_id == r.id)).all()) > 1
        ]
        assert len(stored) == 1
        (response,) = stored
        assert (response.survey_key, response.survey_version, response.role) == (
            "mentor_pulse",
            1,
            "mentor",
        )
        assert (response.period_kind, response.period) == ("week", "2026-W06")
        assert not hasattr(response, "submitted_on")
        assert (response.level_band, response.tenure_band) == ("junior", "5-10y")
        assert not hasattr(response, "pseudonym")
        answers = session.scalars(select(Answer).where(Answer.response_id == response.id)).all()
        assert {(a.question_key, a.item, a.value) for a in answers} == MENTOR_ROWS
    assert counts(db)[0] == 0


def test_bad_answers_write_nothing(db: Database) -> None:
    with db.transaction() as session:
        tokens = f.invited_pair(session)
    with db.sessions() as session, pytest.raises(InvalidAnswers):
        submit_token(session, tokens["mentor"], {**f.MENTOR_ANSWERS, "spoke_openly": ["9"]})
    assert counts(db) == (0, 0, 0)
    with db.sessions() as session:
        assert not any(session.scalars(select(SurveyInvitation.responded)).all())


def test_the_same_token_twice_yields_one_response(db: Database) -> None:
    with db.transaction() as session:
        tokens = f.invited_pair(session)
    with db.transaction() as session:
        submit_token(
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
        submit_token(
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
            submit_token(session, "A" * 22, f.MENTOR_ANSWERS)
        with pytest.raises(NotFound):
            submit_token(session, "../../etc", f.MENTOR_ANSWERS)
        with pytest.raises(Gone, match="expired"):
            submit_token(session, tokens["mentor"], f.MENTOR_ANSWERS)
        with pytest.raises(Gone, match="opted out"):
            submit_token(session, tokens["mentee"], f.MENTOR_ANSWERS)
    assert counts(db) == (0, 0, 0)


def test_a_longitudinal_programme_pseudonymises_with_its_own_key(db: Database) -> None:
    with db.transaction() as session:
        tokens = f.invited_pair(session, longitudinal=True)
        other = f.invited_pair(session, longitudinal=True)
    with db.transaction() as session:
        submit_token(session, tokens["mentor"], f.MENTOR_ANSWERS, now=MONDAY)
    (sealed,) = waiting(db)
    assert sealed.pseudonym is not None and len(sealed.pseudonym) == 64
    with db.transaction() as session:
        submit_token(session, other["mentor"], f.MENTOR_ANSWERS, now=MONDAY)
    assert len({s.pseudonym for s in waiting(db)}) == 2  # each programme keys its own
    with db.transaction() as session:
        companions(session, sealed, 4, {"spoke_openly": 1}, day=MONDAY.date())
    assert mix(db, today=date(2026, 2, 3)).released == 5
    with db.sessions() as session:
        ids = set(session.scalars(select(Response.id)))
        (record,) = session.scalars(select(PairingRecord)).all()
    # The pseudonym is stored only inside the pairing record, which the worker alone opens.
    assert sealed.pseudonym.encode() not in record.sealed
    key = pairing_key(keys_for_tests())
    assert key is not None and pairing_key(keys_for_tests(private=False)) is None
    response_id, alias = open_record(key, record.sealed)
    assert alias == sealed.pseudonym and response_id in ids


def test_fifty_concurrent_submissions_of_one_token_store_exactly_one(pg_db: Database) -> None:
    with pg_db.transaction() as session:
        tokens = f.invited_pair(session)
    outcomes: list[str] = []
    start = threading.Barrier(50)

    def submit() -> None:
        start.wait(timeout=30)
        try:
            with pg_db.transaction() as session:
                submit_token(session, tokens["mentor"], f.MENTOR_ANSWERS)
            outcomes.append("stored")
        except (Gone, NotFound):
            outcomes.append("refused")

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("stored") == 1 and outcomes.count("refused") == 49
    assert counts(pg_db) == (1, 0, 0)


def test_a_context_read_earlier_still_claims_only_its_own_unanswered_link(db: Database) -> None:
    keys = keys_for_tests(private=False)
    with db.transaction() as session:
        tokens = f.invited_pair(session)
        mentor_context = read_context(session, tokens["mentor"], keys)
    with db.sessions() as session, pytest.raises(Gone):
        # the mentor's context with the mentee's link: the claim matches no invitation
        submit_response(
            session.connection(), tokens["mentee"], f.MENTOR_ANSWERS, mentor_context, keys=keys
        )
    with db.transaction() as session:
        submit_response(
            session.connection(), tokens["mentor"], f.MENTOR_ANSWERS, mentor_context, keys=keys
        )
    with db.sessions() as session, pytest.raises(Gone, match="already been answered"):
        submit_response(
            session.connection(), tokens["mentor"], f.MENTOR_ANSWERS, mentor_context, keys=keys
        )
    assert counts(db)[0] == 1
