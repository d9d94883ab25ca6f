"""What a participant's submission left behind, and the k-1 others it needs to be stored.

A submission is sealed until the mixer stores it among at least k people
(PRODUCT.md 2.3), so a test that wants to see one participant's stored response
opens what is waiting (:func:`waiting`), seals k-1 companions with the same
cohort (:func:`companions`) and mixes (:func:`tests.support.sealing.mix`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.db.models import Answer, OutboxEvent, Response, SealedSubmission
from surveys.db.session import Database
from surveys.intake.sealing import Opener, Submission
from tests.support.sealing import keys_for_tests, seal_direct


def waiting(db: Database) -> list[Submission]:
    """Every sealed submission, opened with the mixer's private key."""
    opener = Opener(keys_for_tests().private_key or b"")
    with db.sessions() as session:
        return [opener.open(row) for row in session.scalars(select(SealedSubmission.sealed))]


def companions(
    session: Session,
    like: Submission,
    count: int,
    answers: Mapping[str, int | str | Sequence[str]],
    *,
    day: date,
) -> None:
    """``count`` other people's sealed submissions in the same cohort and period as ``like``."""
    for n in range(count):
        seal_direct(
            session,
            like.firm_id,
            like.programme_id,
            answers,
            person=f"companion-{n}",
            day=day,
            round_id=like.round_id,
            survey_key=like.survey_key,
            role=like.role,
            level_band=like.level_band,
            tenure_band=like.tenure_band,
            gender_group=like.gender_group,
        )


def written(db: Database) -> tuple[int, int, int]:
    """(sealed submissions, plain responses + answers, outbox events other than the
    invitations' and meetings': a submission writes none)."""
    with db.sessions() as session:
        plain = (session.scalar(select(func.count()).select_from(Response)) or 0) + (
            session.scalar(select(func.count()).select_from(Answer)) or 0
        )
        return (
            session.scalar(select(func.count()).select_from(SealedSubmission)) or 0,
            plain,
            session.scalar(
                select(func.count()).where(
                    OutboxEvent.topic.not_in(("invitation.issued", "meeting.recorded"))
                )
            )
            or 0,
        )
