"""Submissions for tests and benchmarks, on the sealed path (PRODUCT.md 2.3).

A submission is stored only as a sealed row; responses, answers and cells
appear when a mixer pass releases a batch of at least k people. So a test
submits (:func:`submit`, one sealed row as ``submit_response`` writes it, without
the invitation) and then runs a pass (:func:`tests.support.sealing.mix`).
:func:`insert_submissions` writes many sealed rows in bulk with Core for the
benchmarks, whose load generator must not be the bottleneck they measure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from surveys.db.models import Programme, SealedSubmission
from surveys.intake.sealing import Submission, period_of, seal, tag_period
from tests.support.sealing import keys_for_tests, seal_direct, sealed_answers

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

#: The submission day of the helpers (a Monday: ISO week 2026-W06).
DAY = date(2026, 2, 2)


def ids_of(programme: Programme | tuple[int, int]) -> tuple[int, int]:
    if isinstance(programme, Programme):
        return programme.firm_id, programme.id
    return programme


def submit(
    session: Session,
    programme: Programme | tuple[int, int],
    answers: Answers = PULSE,
    *,
    person: str | None = None,
    submitted_on: date = DAY,
    round_id: int | None = None,
    **cohort: Any,
) -> str:
    """Seal one submission of ``person`` (a new person unless given); returns the person.

    ``programme`` is a Programme or a (firm_id, programme_id) pair; ``submitted_on``
    chooses the routing period (its ISO week, or ``round:<round_id>``); ``cohort``
    overrides role, level_band, tenure_band, gender_group or pseudonym. Nothing
    is stored in plain text until a mixer pass.
    """
    firm_id, programme_id = ids_of(programme)
    person = person or uuid.uuid4().hex
    seal_direct(
        session,
        firm_id,
        programme_id,
        answers,
        person=person,
        day=submitted_on,
        round_id=round_id,
        **cohort,
    )
    return person


def insert_submissions(
    session: Session,
    firm_id: int,
    programme_id: int,
    count: int,
    answers: Answers = PULSE,
    *,
    day: date = DAY,
    round_id: int | None = None,
    cohorts: Sequence[tuple[str, str, str, str]] = (("mentor", "junior", "2-5y", "woman"),),
    survey_key: str = "mentor_pulse",
) -> int:
    """``count`` sealed rows of distinct people, in one Core executemany; returns ``count``.

    People are spread round-robin over ``cohorts`` (role, level, tenure, gender).
    """
    rows = sealed_rows(
        firm_id,
        programme_id,
        count,
        answers,
        day=day,
        round_id=round_id,
        cohorts=cohorts,
        survey_key=survey_key,
    )
    session.execute(insert(SealedSubmission), list(rows))
    return count


def sealed_rows(
    firm_id: int,
    programme_id: int,
    count: int,
    answers: Answers = PULSE,
    *,
    day: date = DAY,
    round_id: int | None = None,
    cohorts: Sequence[tuple[str, str, str, str]] = (("mentor", "junior", "2-5y", "woman"),),
    survey_key: str = "mentor_pulse",
) -> Iterable[dict[str, Any]]:
    """The rows :func:`insert_submissions` writes, generated lazily (for COPY or chunks)."""
    public_key = keys_for_tests().public_key
    period = period_of(round_id, day)
    scope = tag_period(period)
    rows = sealed_answers(answers)
    for i in range(count):
        role, level_band, tenure_band, gender_group = cohorts[i % len(cohorts)]
        submission = Submission(
            survey_key=survey_key,
            survey_version=1,
            firm_id=firm_id,
            programme_id=programme_id,
            round_id=round_id,
            role=role,
            level_band=level_band,
            tenure_band=tenure_band,
            gender_group=gender_group,
            period=period,
            tag=f"{uuid.uuid4().hex}|{scope}",
            person=uuid.uuid4().hex,
            answers=rows,
        )
        yield {"id": uuid.uuid4(), "period": period, "sealed": seal(public_key, submission)}
