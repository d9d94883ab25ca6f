"""The aggregate cells a reader may see, decided once for every channel.

:func:`candidate_cells` reads the released snapshots a reader's figures may be
added up from (each cell released with at least k responses, on pulses from k
people; a survey that runs in rounds per round only). What a reader sees is
then judged as shown:

* leads, the pages and a coordinator see sums -- one cohort attribute at a
  time per month or round, or the whole survey per month -- and every rule is
  decided on those sums (:mod:`surveys.reports.shown_sums`), never on the fine
  role x level x tenure x gender cells inside them;
* researchers and admins who read the stored cells themselves get
  :func:`disclosed_cells`: each fine cell of a month or round (no week, which
  could be subtracted from the month a page shows) through the rule against
  group attribute disclosure (:func:`attribute_safe`), and then complementary
  suppression against the totals the pages show
  (:func:`surveys.reports.pooled.member_cells`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from operator import attrgetter

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.aggregates import RESPONSES
from surveys.db.models import AggregateCell, Programme, SurveyRound
from surveys.definitions import catalogue
from surveys.domain.vocab import CELL_KEY, COHORT

#: A series: one question (or responses count) of one cohort, over its periods.
SERIES_FIELDS = (*CELL_KEY[:4], *COHORT)


@dataclass(frozen=True, slots=True)
class ReleasedCellView:
    """An aggregate cell as readers get it: its key and released snapshot, no live counters.

    Plain values rather than ORM objects: a page reads tens of thousands of cells,
    and none of them is ever written back. Spelled out for the type checker: the
    fields are ``id``, :data:`~surveys.domain.vocab.CELL_KEY` and the snapshot columns
    (a unit test holds them equal).
    """

    id: int
    survey_key: str
    survey_version: int
    question_key: str
    item: str
    firm_id: int
    programme_id: int
    role: str
    level_band: str
    tenure_band: str
    gender_group: str
    period_kind: str
    period: str
    released_n: int
    released_total: int
    released_total_sq: int
    released_histogram: dict[str, int]
    released_people: int
    released_people_apart: dict[str, int]


_VIEW_COLUMNS = tuple(getattr(AggregateCell, name) for name in ReleasedCellView.__slots__)


_series_key = attrgetter(*SERIES_FIELDS)


def series_of(cell: ReleasedCellView) -> tuple[object, ...]:
    key: tuple[object, ...] = _series_key(cell)
    return key


def disclosed_cells(
    session: Session,
    programme_id: int,
    policy: disclosure.Policy,
    *,
    survey_key: str | None = None,
    question_key: str | None = None,
    firm_ids: Collection[int] | None = None,
) -> Sequence[ReleasedCellView]:
    """The stored (fine) cells a reader of fine cells may see: each judged by every rule.

    For researchers and admins, who read the cells as the mixer stored them:
    :func:`candidate_cells`, each through the group attribute rule and the
    differencing of months against weeks (complementary suppression against
    the totals the pages show is added by the caller,
    :func:`surveys.reports.shown_sums.complement`). Leads and the pages never
    judge fine cells one by one: they add up :func:`candidate_cells` and judge
    the sums (:mod:`surveys.reports.shown_sums`).
    """
    cells = candidate_cells(
        session,
        programme_id,
        policy,
        survey_key=survey_key,
        question_key=question_key,
        firm_ids=firm_ids,
    )
    # Months and rounds only: a week could be subtracted from the month a page shows.
    safe = attribute_safe([c for c in cells if c.period_kind != "week"], policy)
    if question_key is not None and question_key != RESPONSES:
        safe = [c for c in safe if c.question_key == question_key]
    decided = disclosure.released_series(safe, series_of, policy)
    return [cell for cell, result in decided if result.shown]


def candidate_cells(
    session: Session,
    programme_id: int,
    policy: disclosure.Policy,
    *,
    survey_key: str | None = None,
    question_key: str | None = None,
    firm_ids: Collection[int] | None = None,
    whole: bool = False,
) -> list[ReleasedCellView]:
    """The released cells of a programme that may be added up into what a reader sees, by id.

    ``whole``: every released cell, none left out -- for sums judged as shown
    (:mod:`surveys.reports.shown_sums`), whose exact people count every stored
    answer of the figure, so its histogram must hold them all too. Otherwise:

    Cells released with fewer than k responses are left out in SQL: they are
    suppressed, and a suppressed cell never enters the differencing ledger, so
    leaving them out changes no decision. So are pulse cells (weeks and months)
    whose responses are not known to come from k people (a mentee's four
    sessions are one person); a climate round's responses are one per person.
    A cell counts one member firm's people (cross-organisation programmes):
    ``firm_ids`` says whose, the programme's own firm when not given
    (:mod:`surveys.services.members` decides it per reader).
    """
    k = max(policy.k, 1)
    owner = select(Programme.firm_id).where(Programme.id == programme_id).scalar_subquery()
    query = (
        select(*_VIEW_COLUMNS)
        .where(
            AggregateCell.programme_id == programme_id,
            AggregateCell.released_n >= (1 if whole else k),
            or_(
                AggregateCell.period_kind == "round",
                AggregateCell.released_people >= (0 if whole else k),
            ),
            AggregateCell.firm_id.in_(sorted(firm_ids))
            if firm_ids is not None
            else AggregateCell.firm_id == owner,
        )
        .order_by(AggregateCell.id)
    )
    if survey_key is not None:
        query = query.where(AggregateCell.survey_key == survey_key)
    if question_key is not None:
        # The responses cells come along: a choice option is judged against them.
        query = query.where(AggregateCell.question_key.in_({question_key, RESPONSES}))
    # A survey that runs in rounds is shown per round only: its weeks and months,
    # released at other times, could be differenced against the round.
    in_rounds = set(
        session.scalars(
            select(SurveyRound.survey_key).where(SurveyRound.programme_id == programme_id)
        )
    )
    return [
        ReleasedCellView(*row)
        for row in session.execute(query)
        if row.survey_key not in in_rounds or row.period_kind == "round"
    ]


_group_key = attrgetter(
    "survey_key", "survey_version", "firm_id", "programme_id", *COHORT, "period_kind", "period"
)


def _choice_types(survey_key: str, version: int) -> dict[str, tuple[str, tuple[str, ...]]]:
    """question key -> (type, option keys) of a survey version's choice questions."""
    try:
        definition = catalogue().get(survey_key, version)
    except KeyError:
        return {}
    return {
        q.key: (q.type, tuple(o.key for o in q.options))
        for q in definition.questions
        if q.kind.choice
    }


def attribute_safe(
    cells: Sequence[ReleasedCellView], policy: disclosure.Policy
) -> list[ReleasedCellView]:
    """The cells that disclose no group attribute, in their given order.

    A question cell (a histogram of answers) must pass
    :func:`surveys.disclosure.distribution`; the options of a choice question,
    counted against the respondents of the same cohort and period (the
    responses cell), must pass :func:`surveys.disclosure.options` (single
    choice with complementary suppression). Responses cells are head counts and
    pass through. A cell whose respondents are unknown is judged on its own n.

    Pulse cells (weeks and months) are judged in people as well
    (:func:`surveys.disclosure.people_behind`): one person's many sessions do
    not make a distribution diverse or an option common. Climate rounds are
    one response per person, so their responses are the people.
    """
    respondents: dict[tuple[object, ...], int] = {}
    chosen: dict[tuple[object, ...], dict[str, dict[str, ReleasedCellView]]] = {}
    for cell in cells:
        group = _group_key(cell)
        if cell.question_key == RESPONSES:
            respondents[group] = cell.released_n
        elif cell.item:
            options = chosen.setdefault(group, {}).setdefault(cell.question_key, {})
            options[cell.item] = cell
    hidden_options: set[tuple[tuple[object, ...], str, str]] = set()
    for group, questions in chosen.items():
        kinds = _choice_types(str(group[0]), int(str(group[1])))
        for question, by_option in questions.items():
            kind, known = kinds.get(question, ("multi_choice", ()))
            counts = {option: c.released_n for option, c in by_option.items()}
            every = {option: counts.get(option, 0) for option in (*known, *counts)}
            n = max(respondents.get(group, 0), *every.values())
            if str(group[-2]) == "round":  # one response per person: responses are people
                shown = disclosure.options(every, n, policy, exclusive=kind == "single_choice")
            else:
                shown = disclosure.options(
                    every,
                    n,
                    policy,
                    exclusive=kind == "single_choice",
                    people={o: c.released_people for o, c in by_option.items()},
                    apart={o: c.released_people_apart.get("1", 0) for o, c in by_option.items()},
                )
            hidden_options.update(
                (group, question, option)
                for option, result in shown.cells.items()
                if not result.shown
            )
    safe = []
    for cell in cells:
        group = _group_key(cell)
        if cell.question_key == RESPONSES:
            safe.append(cell)
        elif cell.item:
            if (group, cell.question_key, cell.item) not in hidden_options:
                safe.append(cell)
        else:
            histogram = disclosure.released(cell).histogram
            n = max(cell.released_n, sum(histogram.values()))
            people, apart = disclosure.people_behind([cell])
            if cell.period_kind == "round":
                decided = disclosure.distribution(histogram, policy, n)
            else:
                decided = disclosure.distribution(histogram, policy, n, people=people, apart=apart)
            if decided.shown:
                safe.append(cell)
    return safe


#: The cohort attributes a lead may see cells by, one at a time (PRODUCT.md 2.3).
ONE_AT_A_TIME = tuple(COHORT)
#: The value of an attribute summed over in a one-attribute listing (as the mixer's '*').
ALL = "*"
