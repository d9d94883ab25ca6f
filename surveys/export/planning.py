"""What the disclosure plan of an export is made from: its policy and its group counts.

The plan (:func:`surveys.disclosure.anonymise_rows`) is made before any row is
read, from counts of quasi-identifier combinations in scope: one GROUP BY, no
rows in memory.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from surveys import disclosure
from surveys.db.models import Answer, Firm, Response, SurveyRound
from surveys.domain.periods import month_of_week
from surveys.domain.vocab import COHORT
from surveys.export.scope import PERIOD, Scope

#: A response's cohort snapshot, in the order of QUASI_IDENTIFIERS.
COHORT_COLUMNS = tuple(getattr(Response, name) for name in COHORT)


def policy_for(session: Session, scope: Scope, default_k: int) -> disclosure.Policy:
    """The strictest k among the firms in scope."""
    sizes = session.scalars(select(Firm.min_group_size).where(Firm.id.in_(scope.firm_ids)))
    return disclosure.Policy(max([s or default_k for s in sizes] or [default_k]))


def count_in_scope(session: Session, scope: Scope) -> int:
    """How many responses the scope holds."""
    return int(session.scalar(select(func.count()).where(*scope.conditions())) or 0)


def round_months(session: Session) -> dict[int, str]:
    """Each round's month ('YYYY-MM' of its closing day): a climate response's month."""
    return {
        rid: f"{day:%Y-%m}"
        for rid, day in session.execute(select(SurveyRound.id, SurveyRound.closes_on))
    }


def stored_month(period: str, rounds: Mapping[int, str]) -> str:
    """The export's month of a stored period (see :data:`PERIOD`): a week's month,
    a merged batch's month, or a round's closing month. Responses carry no date."""
    kind, _, value = period.partition(":")
    if kind == "week":
        return month_of_week(value)
    if kind == "round":
        return rounds.get(int(value), "")
    return value


def combination_counts(session: Session, scope: Scope) -> dict[disclosure.Combo, disclosure.Tally]:
    """Responses in scope per combination of quasi-identifiers (see QUASI_IDENTIFIERS),
    with what is known of the people behind them (:mod:`surveys.disclosure.people`):
    a climate round's rows as people, and each stored mixer
    combination (survey, version, programme, period, cohort) as k people only when a
    group holds all of it."""
    gender, ethnicity = aliased(Answer), aliased(Answer)
    columns = (
        Response.survey_key,
        Firm.slug,
        Response.programme_id,
        PERIOD,
        *COHORT_COLUMNS,
        gender.item,
        ethnicity.item,
        Response.survey_version,
        Response.round_id,
    )
    query = (
        select(*columns, func.count())
        .join(Firm, Firm.id == Response.firm_id)
        .outerjoin(gender, and_(gender.response_id == Response.id, gender.question_key == "gender"))
        .outerjoin(
            ethnicity,
            and_(ethnicity.response_id == Response.id, ethnicity.question_key == "ethnicity"),
        )
        .where(*scope.conditions())
        .group_by(*columns)
    )
    months = round_months(session)
    rows = [tuple(r) for r in session.execute(query)]
    width = len(COHORT_COLUMNS)
    whole: dict[tuple[object, ...], int] = {}
    for key, slug, programme, period, *rest, version, _, n in rows:
        batch = (key, version, slug, programme, period, *rest[:width])
        whole[batch] = whole.get(batch, 0) + int(n)
    counts: dict[disclosure.Combo, disclosure.Tally] = {}
    for key, slug, programme, period, *rest, version, round_id, n in rows:
        combo = (key, slug, str(programme), stored_month(period, months), *rest)
        if period.startswith("round:"):
            tally = disclosure.Tally(int(n), distinct={f"round:{round_id}": int(n)})
        else:
            batch = (key, version, slug, programme, period, *rest[:width])
            tally = disclosure.Tally(int(n), batches={repr(batch): (int(n), whole[batch])})
        before = counts.get(combo)
        counts[combo] = tally if before is None else before + tally
    return counts
