"""Submissions for tests and the benchmark: a response, its answers and its event, one transaction.

A stand-in for the survey engineer's ``submit_response`` service (issue 3): it
writes the same rows, without the token check.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.models import Answer, Programme, Response
from surveys.domain.events import ResponseSubmitted

#: question -> an int (scalar), a list of option keys (choice) or a str (free text)
Answers = Mapping[str, int | str | Sequence[str]]

PULSE: dict[str, int | str | Sequence[str]] = {
    "useful": 4,
    "heard": 5,
    "recommend": 9,
    "again": 1,
    "topics": ["workload", "technology"],
    "comment": "Helpful conversation.",
}


def submit(
    session: Session,
    programme: Programme | tuple[int, int],
    answers: Answers = PULSE,
    **response: Any,
) -> tuple[Response, int]:
    """Insert a response with ``answers`` and its ResponseSubmitted outbox row (flushed).

    ``programme`` is a Programme or a (firm_id, programme_id) pair. Returns the
    response and the outbox event id.
    """
    firm_id, programme_id = (
        (programme.firm_id, programme.id) if isinstance(programme, Programme) else programme
    )
    row = Response(
        **{
            "id": uuid.uuid4(),
            "survey_key": "mentor_pulse",
            "survey_version": 1,
            "submitted_on": date(2026, 2, 2),
            "firm_id": firm_id,
            "programme_id": programme_id,
            "role": "mentor",
            "level_band": "junior",
            "tenure_band": "2-5y",
            "gender_group": "woman",
            **response,
        }
    )
    session.add(row)
    session.flush()
    for question, answer in answers.items():
        if isinstance(answer, int):
            session.add(Answer(response_id=row.id, question_key=question, item="", value=answer))
        elif isinstance(answer, str):
            session.add(Answer(response_id=row.id, question_key=question, item="", text=answer))
        else:
            for option in answer:
                session.add(Answer(response_id=row.id, question_key=question, item=option))
    event_id = outbox.add_event(session, ResponseSubmitted(response_id=str(row.id)))
    return row, event_id


def insert_submission(
    session: Session, firm_id: int, programme_id: int, answers: Answers = PULSE, **response: Any
) -> int:
    """The same rows as :func:`submit` with Core inserts (the benchmark's load generator,
    which must not be the bottleneck it measures). Returns the outbox event id."""
    from sqlalchemy import insert

    from surveys.db.models import OutboxEvent

    response_id = uuid.uuid4()
    session.execute(
        insert(Response.__table__).values(
            id=response_id,
            survey_key="mentor_pulse",
            survey_version=1,
            submitted_on=response.pop("submitted_on", date(2026, 2, 2)),
            firm_id=firm_id,
            programme_id=programme_id,
            role=response.pop("role", "mentor"),
            level_band=response.pop("level_band", "junior"),
            tenure_band=response.pop("tenure_band", "2-5y"),
            gender_group=response.pop("gender_group", "woman"),
            **response,
        )
    )
    rows: list[dict[str, Any]] = []
    for question, answer in answers.items():
        base = {"response_id": response_id, "question_key": question, "item": ""}
        if isinstance(answer, int):
            rows.append({**base, "value": answer, "text": None})
        elif isinstance(answer, str):
            rows.append({**base, "value": None, "text": answer})
        else:
            rows.extend({**base, "item": option, "value": None, "text": None} for option in answer)
    session.execute(insert(Answer.__table__), rows)
    event = ResponseSubmitted(response_id=str(response_id))
    event_id = session.execute(
        insert(OutboxEvent.__table__)
        .values(topic=event.topic, payload=event.payload(), created_at=_now(), attempts=0)
        .returning(OutboxEvent.__table__.c.id)
    ).scalar_one()
    session.info["outbox_written"] = True  # what outbox.add_event marks: nudge after commit
    return int(event_id)


def _now() -> Any:
    from surveys.db.types import utcnow

    return utcnow()
