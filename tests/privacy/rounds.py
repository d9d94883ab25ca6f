"""Climate rounds for a world, through the real services: launch, answer, close, mix.

:func:`run_rounds` launches each round (:func:`launch_round` invites everyone
enrolled), submits the chosen people's answers through the real submission
path while the round is open, closes it (:func:`close_due_rounds`) and runs a
mixer pass after its close, as the clock would. It returns who answered which
round (what the test knows and the attacker does not).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from surveys.db.models import SurveyInvitation
from surveys.services.invitations import launch_round
from surveys.services.rounds import close_due_rounds
from surveys.services.tokens import survey_token
from tests.privacy.world import SECRET, World
from tests.support.sealing import mix, submit_token

#: (label, opening day) of the default rounds: a baseline and a follow-up.
ROUNDS = (("baseline", date(2026, 2, 2)), ("follow-up", date(2026, 4, 6)))
ITEMS = ("belonging", "can_progress", "flexible_without_stigma", "leaders_understand")


def climate_answers(person_id: int, round_no: int) -> dict[str, list[str]]:
    """Answers that change between rounds, differently for different people."""
    base = 1 + person_id % 4
    return {
        **{
            item: [str(min(5, base + (round_no * (i + person_id)) % 2))]
            for i, item in enumerate(ITEMS)
        },
        "intend_to_stay": [str(2 + round_no * (person_id % 3))],
        "recommend_firm": [str(5 + round_no * (person_id % 3 - 1) * 2)],
        "gender": [""],
        "ethnicity": [""],
        "comment": [""],
    }


def run_rounds(
    world: World,
    *,
    rounds: Sequence[tuple[str, date]] = ROUNDS,
    answers: Callable[[int, int], dict[str, list[str]]] = climate_answers,
    answering: Callable[[int, int], bool] = lambda _person, _round: True,
    k: int = 5,
) -> list[tuple[int, set[int]]]:
    """Run ``rounds`` in order; returns (round id, the people who answered it) per round."""
    done = []
    for number, (label, opened) in enumerate(rounds):
        closes = opened + timedelta(days=18)
        with world.db.transaction() as session:
            round_, _ = launch_round(
                session, world.programme_id, label, closes, SECRET, today=opened
            )
            round_id = round_.id
            invitations = session.scalars(
                select(SurveyInvitation).where(SurveyInvitation.round_id == round_id)
            ).all()
            tokens = {i.person_id: str(survey_token(SECRET, i.token_salt)) for i in invitations}
        answered = set()
        for offset, (person_id, token) in enumerate(sorted(tokens.items())):
            if not answering(person_id, number):
                continue
            when = datetime.combine(opened + timedelta(days=1 + offset % 10), time(11), UTC)
            with world.db.transaction() as session:
                submit_token(session, token, answers(person_id, number), now=when)
            answered.add(person_id)
        after = closes + timedelta(days=2)
        with world.db.transaction() as session:
            close_due_rounds(session, today=after)
        mix(world.db, k=k, today=after)
        done.append((round_id, answered))
    return done
