"""Invariants the schema itself enforces, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from surveys.db.models import Answer, Pairing, SurveyInvitation
from surveys.db.session import Database
from tests.support import factories as f


def violates(db: Database, build: Callable[[Session], Any]) -> bool:
    """True when the database refuses what ``build`` writes."""
    with db.sessions() as session:
        try:
            build(session)
            session.flush()
        except IntegrityError:
            session.rollback()
            return True
        session.rollback()
        return False


def test_an_answer_holds_exactly_one_kind_of_value(db: Database) -> None:
    def answer(**values: Any) -> Callable[[Session], None]:
        def build(session: Session) -> None:
            response = f.response(session, f.programme(session))
            session.add(Answer(response_id=response.id, question_key="q", **values))

        return build

    assert not violates(db, answer(value=4))
    assert not violates(db, answer(item="technology"))
    assert not violates(db, answer(text="useful"))
    assert violates(db, answer())
    assert violates(db, answer(value=4, text="and text"))
    assert violates(db, answer(value=11))


def test_a_person_has_at_most_one_active_pairing_per_role(db: Database) -> None:
    def second_active(ended: bool) -> Callable[[Session], None]:
        def build(session: Session) -> None:
            first = f.pairing(session)
            if ended:
                first.ended_on = first.started_on + timedelta(days=30)
                session.flush()
            mentee = f.person(session, first.programme.firm, level="board")
            session.add(
                Pairing(
                    programme_id=first.programme_id,
                    mentor_id=first.mentor_id,
                    mentee_id=mentee.id,
                    started_on=date(2026, 3, 1),
                )
            )

        return build

    assert violates(db, second_active(ended=False))
    assert not violates(db, second_active(ended=True))


def test_a_pairing_needs_two_people_and_ends_after_it_starts(db: Database) -> None:
    def self_pair(session: Session) -> None:
        p = f.pairing(session)
        session.add(
            Pairing(
                programme_id=p.programme_id,
                mentor_id=p.mentee_id,
                mentee_id=p.mentee_id,
                started_on=date(2026, 1, 1),
                ended_on=date(2026, 6, 1),
            )
        )

    def ends_first(session: Session) -> None:
        p = f.pairing(session)
        p.ended_on = p.started_on - timedelta(days=1)

    assert violates(db, self_pair)
    assert violates(db, ends_first)


def test_an_invitation_belongs_to_a_meeting_or_a_round_but_not_both(db: Database) -> None:
    def invitation(with_meeting: bool) -> Callable[[Session], None]:
        def build(session: Session) -> None:
            pairing = f.pairing(session)
            meeting = f.meeting(session, pairing)
            session.add(
                SurveyInvitation(
                    token_hash="a" * 64,
                    token_salt="0" * 32,
                    person_id=pairing.mentor_id,
                    programme_id=pairing.programme_id,
                    survey_key="mentor_pulse",
                    survey_version=1,
                    meeting_id=meeting.id if with_meeting else None,
                    expires_at=meeting.recorded_at + timedelta(days=14),
                )
            )

        return build

    assert not violates(db, invitation(with_meeting=True))
    assert violates(db, invitation(with_meeting=False))


def test_an_invitation_token_hash_is_unique_and_a_sha256(db: Database) -> None:
    def two_with(hash_a: str, hash_b: str) -> Callable[[Session], None]:
        def build(session: Session) -> None:
            pairing = f.pairing(session)
            meeting = f.meeting(session, pairing)
            for person_id, token_hash in ((pairing.mentor_id, hash_a), (pairing.mentee_id, hash_b)):
                session.add(
                    SurveyInvitation(
                        token_hash=token_hash,
                        token_salt="0" * 32,
                        person_id=person_id,
                        programme_id=pairing.programme_id,
                        survey_key="pulse",
                        survey_version=1,
                        meeting_id=meeting.id,
                        expires_at=meeting.recorded_at,
                    )
                )
                session.flush()

        return build

    assert not violates(db, two_with("a" * 64, "b" * 64))
    assert violates(db, two_with("a" * 64, "a" * 64))
    assert violates(db, two_with("a" * 64, "short"))


def test_people_are_unique_by_internal_id_and_email_within_a_firm(db: Database) -> None:
    def dup(**same: str) -> Callable[[Session], None]:
        def build(session: Session) -> None:
            firm = f.firm(session)
            f.person(session, firm, **same)
            f.person(session, firm, **same)

        return build

    assert violates(db, dup(internal_id="HR1"))
    assert violates(db, dup(email="same@example.com"))


@pytest.mark.parametrize(
    "change",
    [
        {"level": "intern"},
        {"working_pattern": "sometimes"},
        {"left_on": date(2019, 1, 1)},
    ],
)
def test_people_only_take_known_values(db: Database, change: dict[str, Any]) -> None:
    assert violates(db, lambda s: f.person(s, f.firm(s), **change))


def test_a_firm_minimum_group_size_stays_between_3_and_10(db: Database) -> None:
    assert not violates(db, lambda s: f.firm(s, min_group_size=3))
    assert violates(db, lambda s: f.firm(s, min_group_size=2))
    assert violates(db, lambda s: f.firm(s, min_group_size=11))


@pytest.mark.parametrize(
    "change", [{"role": "partner"}, {"level_band": "intern"}, {"gender_group": "unknown"}]
)
def test_a_response_cohort_snapshot_only_holds_coarse_known_bands(
    db: Database, change: dict[str, Any]
) -> None:
    assert violates(db, lambda s: f.response(s, f.programme(s), **change))


def test_response_ids_are_random_version_4_uuids(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        ids = [f.response(session, programme, id=uuid.uuid4()).id for _ in range(3)]
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)
    with db.sessions() as session:
        programme_id = programme.id
        from surveys.db.models import Response

        row = Response(
            survey_key="k",
            survey_version=1,
            period_kind="week",
            period="2026-W01",
            firm_id=programme.firm_id,
            programme_id=programme_id,
            role="mentee",
            level_band="senior",
            tenure_band="10y+",
            gender_group="man",
        )
        session.add(row)
        session.flush()
        assert row.id.version == 4


def test_aggregate_counters_hold_sums_past_32_bits(db: Database) -> None:
    from surveys.db.models import AggregateCell

    big = 100 * 30_000_000  # thirty million answers of 10: the sum of squares
    with db.transaction() as session:
        session.add(
            AggregateCell(
                survey_key="climate",
                survey_version=1,
                question_key="recommend_firm",
                item="",
                firm_id=1,
                programme_id=1,
                role="mentor",
                level_band="junior",
                tenure_band="<2y",
                gender_group="woman",
                period_kind="month",
                period="2026-01",
                n=30_000_000,
                total=300_000_000,
                total_sq=big,
                histogram={"10": 30_000_000},
                released_n=0,
                released_total=0,
                released_total_sq=0,
                released_histogram={},
            )
        )
    with db.sessions() as session:
        assert session.scalars(select(AggregateCell.total_sq)).one() == big
