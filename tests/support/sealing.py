"""Sealed submissions for tests: through the real submission path, or sealed directly; a mix pass.

Submissions are stored only by the mixer now (PRODUCT.md 2.3), so a test that
expects responses or released cells submits, then calls :func:`mix`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from surveys.db.models import SealedSubmission
from surveys.db.session import Database
from surveys.intake.keys import PRIVATE_KEY, PSEUDONYM_SECRET, PUBLIC_KEY, Keys, decode
from surveys.intake.mixing import MixReport, mix_pass, opener_for
from surveys.intake.sealing import SealedAnswer, Submission, period_of, seal, tag_period
from surveys.services.responses import read_context, submit_response
from tests.support.keys import KEYS


def keys_for_tests(private: bool = True) -> Keys:
    """The session's keys (as in os.environ); ``private=False``: what a web process has."""
    return Keys(
        decode(PUBLIC_KEY, KEYS[PUBLIC_KEY]),
        decode(PRIVATE_KEY, KEYS[PRIVATE_KEY]) if private else None,
        decode(PSEUDONYM_SECRET, KEYS[PSEUDONYM_SECRET]),
    )


keys_for_tests.__test__ = False  # type: ignore[attr-defined]  # not a test, despite its name


def submit_token(
    session: Session,
    token: str,
    raw: Mapping[str, Sequence[str]],
    *,
    now: datetime | None = None,
) -> None:
    """The real path: read the context, seal, claim (the caller commits)."""
    keys = keys_for_tests(private=False)
    context = read_context(session, token, keys, now=now)
    submit_response(session.connection(), token, raw, context, keys=keys, now=now)


def sealed_answers(
    answers: Mapping[str, int | str | Sequence[str]],
) -> tuple[SealedAnswer, ...]:
    """Answers as the sealed box holds them: an int, free text, or one row per chosen option."""
    rows: list[SealedAnswer] = []
    for question, answer in answers.items():
        if isinstance(answer, int):
            rows.append(SealedAnswer(question, "", answer, None))
        elif isinstance(answer, str):
            rows.append(SealedAnswer(question, "", None, answer))
        else:
            rows.extend(SealedAnswer(question, option, None, None) for option in answer)
    return tuple(rows)


def seal_direct(
    session: Session,
    firm_id: int,
    programme_id: int,
    answers: Mapping[str, int | str | Sequence[str]],
    *,
    person: str,
    day: date = date(2026, 2, 2),
    round_id: int | None = None,
    survey_key: str = "mentor_pulse",
    **cohort: Any,
) -> None:
    """A sealed row as submit_response would write it, without an invitation."""
    rows = sealed_answers(answers)
    period = period_of(round_id, day)
    submission = Submission(
        survey_key=survey_key,
        survey_version=1,
        firm_id=firm_id,
        programme_id=programme_id,
        round_id=round_id,
        role=cohort.get("role", "mentor"),
        level_band=cohort.get("level_band", "junior"),
        tenure_band=cohort.get("tenure_band", "2-5y"),
        gender_group=cohort.get("gender_group", "woman"),
        period=period,
        tag=f"{person}|{tag_period(period)}",
        person=f"{person}|programme {programme_id}",
        answers=rows,
        pseudonym=cohort.get("pseudonym"),
    )
    session.execute(
        insert(SealedSubmission),
        [
            {
                "id": uuid.uuid4(),
                "period": period,
                "sealed": seal(keys_for_tests().public_key, submission),
            }
        ],
    )


def mix(db: Database, *, k: int = 5, today: date | None = None) -> MixReport:
    """One mixer pass in its own transaction."""
    with db.transaction() as session:
        return mix_pass(session, opener_for(keys_for_tests()), default_k=k, today=today)
