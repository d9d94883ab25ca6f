"""Which sealed rows a mixer pass opens: the due periods, from the plain routing key alone.

Also the rounds' states (:func:`rounds_of`) and each firm's k (:func:`k_of`) the
plan needs. Read by :mod:`surveys.intake.mixing`; nothing here opens a sealed row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.db.models import FigurePeople, Firm, SealedSubmission, SurveyRound
from surveys.domain.periods import month_ended, month_of_week, week_after_month, week_ended
from surveys.intake.mixer import RoundState


def rounds_of(session: Session, round_ids: set[int]) -> dict[int, RoundState]:
    """Each round's state and the next round of the same survey in its programme."""
    if not round_ids:
        return {}
    mine = session.execute(select(SurveyRound).where(SurveyRound.id.in_(sorted(round_ids))))
    found: dict[int, RoundState] = {}
    for (round_,) in mine:
        following = session.scalar(
            select(SurveyRound.id)
            .where(
                SurveyRound.programme_id == round_.programme_id,
                SurveyRound.survey_key == round_.survey_key,
                SurveyRound.survey_version == round_.survey_version,
                SurveyRound.opened_on > round_.opened_on,
            )
            .order_by(SurveyRound.opened_on, SurveyRound.id)
            .limit(1)
        )
        found[round_.id] = RoundState(bool(round_.closed), following)
    mixed = session.scalars(
        select(FigurePeople.period)
        .where(
            FigurePeople.period_kind == "round",
            FigurePeople.period.in_(sorted(str(i) for i in found)),
        )
        .distinct()
    )
    for period in mixed:
        state = found[int(period)]
        found[int(period)] = RoundState(state.closed, state.next_round, mixed=True)
    return found


def k_of(session: Session, firm_ids: set[int], default_k: int) -> dict[int, int]:
    rows = session.execute(
        select(Firm.id, Firm.min_group_size).where(Firm.id.in_(sorted(firm_ids)))
    )
    configured = {firm_id: k for firm_id, k in rows}
    return {firm_id: configured.get(firm_id) or default_k for firm_id in firm_ids}


def inbox(session: Session) -> dict[str, int]:
    """Sealed rows waiting per routing period (the plain column only: nothing opened)."""
    query = select(SealedSubmission.period, func.count()).group_by(SealedSubmission.period)
    return {period: int(rows) for period, rows in session.execute(query)}


def due_periods(
    session: Session, counts: Mapping[str, int], today: date, default_k: int
) -> list[str]:
    """The routing periods whose sealed rows a pass opens: those that can release now.

    ``counts`` is :func:`inbox`. A period is due when it has ended (its week, or
    its round closed: leftovers merge upward and carry on), or when it is a week
    holding at least k rows (the smallest k of any firm: fewer rows cannot hold k
    people). A round is mixed only once closed (:mod:`surveys.intake.mixer`).
    Not-ended periods that a
    due, fully ended one carries its leftovers into (the next month's first week,
    the survey's next round) are opened with it, so the carried people meet the
    new ones. Everything else waits unread: opening every sealed row on every pass
    would cost the whole inbox each time (PRODUCT.md 3: a period released within
    60 s with a million waiting). Safety never depends on this choice -- the plan
    releases nothing below k whatever it is given -- only how soon a group goes out.
    """
    if not counts:
        return []
    smallest = session.scalar(select(func.min(Firm.min_group_size)))
    k = min(default_k, smallest) if smallest else default_k
    round_ids = {int(p[6:]) for p in counts if p.startswith("round:")}
    closed = set(session.scalars(select(SurveyRound.id).where(SurveyRound.closed))) & round_ids
    rounds = rounds_of(session, closed)  # open rounds need no more than "not closed"
    due = set()
    carries_into: set[str] = set()
    for period, rows in counts.items():
        if period.startswith("round:"):
            state = rounds.get(int(period[6:]))
            ended = state is not None and state.closed
            following = state.next_round if state is not None and ended else None
            while following is not None and f"round:{following}" not in due:
                after = rounds_of(session, {following}).get(following)
                if after is None or not after.closed:
                    break  # an open round mixes nothing yet
                due.add(f"round:{following}")  # carried leftovers meet the next round
                following = after.next_round
        else:
            ended = week_ended(period, today)
            if month_ended(month_of_week(period), today):
                carries_into.add(period)
        if ended or (rows >= k and not period.startswith("round:")):
            due.add(period)
    for period in carries_into:  # the weeks leftovers are carried into, month after month
        week = week_after_month(month_of_week(period))
        due.add(week)
        while month_ended(month_of_week(week), today):
            week = week_after_month(month_of_week(week))
            due.add(week)
    return sorted(due & set(counts))
