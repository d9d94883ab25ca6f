"""Small builders for valid rows; each takes a session and overrides, and flushes."""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from surveys.db.models import Enrolment, Firm, Meeting, Pairing, Person, Programme, Response
from surveys.domain.periods import week_of

_seq = itertools.count(1)


def firm(session: Session, **kw: Any) -> Firm:
    n = next(_seq)
    row = Firm(**{"name": f"Firm {n}", "slug": f"firm-{n}", **kw})
    session.add(row)
    session.flush()
    return row


def programme(session: Session, firm_: Firm | None = None, **kw: Any) -> Programme:
    firm_ = firm_ or firm(session)
    row = Programme(
        **{
            "firm_id": firm_.id,
            "name": f"Programme {next(_seq)}",
            "starts_on": date(2026, 1, 5),
            "status": "active",
            **kw,
        }
    )
    session.add(row)
    session.flush()
    return row


def person(session: Session, firm_: Firm, **kw: Any) -> Person:
    n = next(_seq)
    row = Person(
        **{
            "firm_id": firm_.id,
            "internal_id": f"P{n}",
            "email": f"p{n}@example.com",
            "level": "associate",
            "practice_area": "Corporate",
            "office": "London",
            "started_on": date(2020, 1, 1),
            **kw,
        }
    )
    session.add(row)
    session.flush()
    return row


def pairing(session: Session, programme_: Programme | None = None, **kw: Any) -> Pairing:
    programme_ = programme_ or programme(session)
    firm_ = session.get(Firm, programme_.firm_id)
    assert firm_ is not None
    mentor = kw.pop("mentor", None) or person(session, firm_, level="associate")
    mentee = kw.pop("mentee", None) or person(session, firm_, level="partner")
    for who, role in ((mentor, "mentor"), (mentee, "mentee")):
        session.add(
            Enrolment(
                programme_id=programme_.id,
                person_id=who.id,
                role=role,
                enrolled_on=programme_.starts_on,
            )
        )
    row = Pairing(
        **{
            "programme_id": programme_.id,
            "mentor_id": mentor.id,
            "mentee_id": mentee.id,
            "started_on": programme_.starts_on,
            **kw,
        }
    )
    session.add(row)
    session.flush()
    return row


def meeting(session: Session, pairing_: Pairing, **kw: Any) -> Meeting:
    row = Meeting(
        **{"pairing_id": pairing_.id, "held_on": date(2026, 2, 1), "source": "staff", **kw}
    )
    session.add(row)
    session.flush()
    return row


def response(session: Session, programme_: Programme, **kw: Any) -> Response:
    """A stored response (as the mixer writes it): a period, never a date.

    ``pseudonym=<alias>`` stores the person's pseudonym as the mixer does, in an
    encrypted pairing record, never in the response.

    ``submitted_on=<date>`` is accepted for convenience and becomes that day's ISO
    week (``period_kind='week'``), or the round when ``round_id`` is given.
    """
    day = kw.pop("submitted_on", None)
    alias = kw.pop("pseudonym", None)
    if day is not None and "period" not in kw:
        if kw.get("round_id") is not None:
            kw.update(period_kind="round", period=str(kw["round_id"]))
        else:
            kw.update(period_kind="week", period=week_of(day))
    row = Response(
        **{
            "id": uuid.uuid4(),
            "survey_key": "mentor_pulse",
            "survey_version": 1,
            "period_kind": "week",
            "period": week_of(date(2026, 2, 2)),
            "firm_id": programme_.firm_id,
            "programme_id": programme_.id,
            "role": "mentor",
            "level_band": "junior",
            "tenure_band": "2-5y",
            "gender_group": "woman",
            **kw,
        }
    )
    session.add(row)
    session.flush()
    if alias is not None:  # as the mixer keeps it: in an encrypted pairing record
        pair(session, row, alias)
    return row


def pair(session: Session, row: Response, alias: str) -> None:
    """The pairing record of ``row`` (the person's pseudonym, under the test keys)."""
    import random

    from surveys.longitudinal.vault import pairing_key, write_records
    from tests.support.sealing import keys_for_tests

    key = pairing_key(keys_for_tests())
    assert key is not None
    write_records(session, key, [(row.programme_id, row.id, alias)], random.Random(0))


SECRET = "test-secret-key-" + "x" * 24


def token_of(invitation: Any, secret: str = SECRET) -> str:
    """The link token of an invitation, rebuilt the way the mail actor does."""
    from surveys.services.tokens import survey_token

    return str(survey_token(secret, invitation.token_salt))


def invited_pair(session: Session, secret: str = SECRET, **programme_kw: Any) -> dict[str, str]:
    """A pairing that met, with pulse invitations issued: role -> link token."""
    from surveys.services.invitations import issue_pulse_invitations

    pairing_ = pairing(session, programme(session, **programme_kw))
    meeting_ = meeting(session, pairing_)
    invitations = issue_pulse_invitations(session, meeting_.id, secret, ttl_days=14)
    roles = {pairing_.mentor_id: "mentor", pairing_.mentee_id: "mentee"}
    return {roles[i.person_id]: token_of(i, secret) for i in invitations}


MENTOR_ANSWERS = {
    "spoke_openly": ["4"],
    "mentee_engaged": ["5"],
    "good_use_of_time": ["3"],
    "topics": ["technology", "wellbeing"],
    "recommend_programme": ["9"],
    "comment": [""],
}


def answered(session: Session, programme_: Programme, answers: dict[str, Any], **kw: Any) -> Any:
    """A response with answers: {question: value | option | [options] | text}."""
    from surveys.db.models import Answer

    row = response(session, programme_, **kw)
    for question, given in answers.items():
        if isinstance(given, list):
            for option in given:
                session.add(Answer(response_id=row.id, question_key=question, item=option))
        elif isinstance(given, int):
            session.add(Answer(response_id=row.id, question_key=question, value=given))
        elif question in {"comment"}:
            session.add(Answer(response_id=row.id, question_key=question, text=given))
        else:
            session.add(Answer(response_id=row.id, question_key=question, item=given))
    session.flush()
    return row
