"""The exact number of distinct people behind every figure readers may be shown.

This is the one place readers ask "how many people does this figure rest on?"
(PRODUCT.md 2.3, "Show everything that is safe"). The mixer writes the numbers
(:mod:`surveys.aggregates.figures`) from the person tags of the submissions it
stores, before it drops them; nothing else writes them. Disclosure is decided
on them; they are read as they are, cheaply (one indexed query per programme).

A *figure* (:class:`FigureKey`) is one firm's answers of one survey version in
one programme:

* to one question (``question_key``), or one option of a choice question
  (``item``), or its respondents (``question_key == ''``; pass ``None`` to
  :func:`people_behind`);
* for one value of one cohort attribute (``attribute`` one of
  :data:`~surveys.domain.vocab.COHORT` -- role, level band, tenure band, gender
  group -- with the value the stored responses carry, ``'*'`` where the mixer
  generalised it), or everyone (``attribute == value == '*'``);
* over one period shown: ``('month', '2026-02')`` (every response stored in
  the month or one of its weeks), ``('round', '12')``, or
  ``('programme', '')``: programme to date.

:class:`People` gives, for that figure:

* ``people``: distinct people behind it -- respondents; those who answered
  the question; those who chose the option;
* ``apart``: for a scalar question, per answer given, the distinct people
  who gave at least one *other* answer (a value nobody gave: every one of
  ``people``, see :meth:`People.apart_from`); for an option, ``{"1": n}``:
  the respondents with at least one response (of the same attribute value
  and period) that did not choose it. The group attribute rule
  (:func:`surveys.disclosure.distribution`) is judged on these;
* ``exact``: True when both are exact. Months and rounds are always exact
  (each is mixed in one pass, :mod:`surveys.intake.mixer`); programme-to-date
  respondents are exact (counted from sealed programme-scoped tags, across
  every pass); programme-to-date question and option figures are exact when
  the programme has one period, else sound lower bounds (see
  :func:`surveys.aggregates.figures.to_date`).

Pooled figures (a cross-organisation programme, :mod:`surveys.reports.pooled`)
add members' people: people of different firms are different people. Pass
several ``firm_ids``: ``people`` and each ``apart`` are the sums over the
members (a member who gave no answer ``v`` counts all its people apart from
``v``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import FigurePeople
from surveys.db.models.people import FIGURE_KEY

__all__ = ["EVERYONE", "FigureKey", "People", "figure_people", "people_behind", "people_of"]

#: ``attribute`` and ``value`` of the figures of everyone (no cohort attribute).
EVERYONE = "*"


class FigureKey(NamedTuple):
    """The key of a figure (see the module docstring), in the table's order."""

    programme_id: int
    survey_key: str
    survey_version: int
    question_key: str
    item: str
    firm_id: int
    attribute: str
    value: str
    period_kind: str
    period: str


@dataclass(frozen=True)
class People:
    """The distinct people behind a figure (see the module docstring)."""

    people: int
    apart: Mapping[str, int] = field(default_factory=dict)
    exact: bool = True

    def apart_from(self, answer: str) -> int:
        """People who gave another answer than ``answer`` (nobody gave it: all of them)."""
        return self.apart.get(answer, self.people)


def figure_people(
    session: Session,
    programme_id: int,
    *,
    survey_key: str | None = None,
    period_kind: str | None = None,
    firm_ids: Collection[int] | None = None,
) -> dict[FigureKey, People]:
    """Every figure of a programme the mixer has counted (optionally one survey,
    one kind of period, some firms), in one query."""
    query = select(
        *(getattr(FigurePeople, name) for name in FIGURE_KEY),
        FigurePeople.people,
        FigurePeople.apart,
        FigurePeople.exact,
    ).where(FigurePeople.programme_id == programme_id)
    if survey_key is not None:
        query = query.where(FigurePeople.survey_key == survey_key)
    if period_kind is not None:
        query = query.where(FigurePeople.period_kind == period_kind)
    if firm_ids is not None:
        query = query.where(FigurePeople.firm_id.in_(sorted(firm_ids)))
    found: dict[FigureKey, People] = {}
    for row in session.execute(query):
        key = FigureKey._make(row[: len(FIGURE_KEY)])
        found[key] = People(int(row.people), dict(row.apart or {}), bool(row.exact))
    return found


def people_of(
    figures: Mapping[FigureKey, People],
    key: FigureKey,
    firm_ids: Collection[int] | None = None,
) -> People | None:
    """The people behind ``key``'s figure, summed over ``firm_ids`` (default: its firm).

    None when no member firm has the figure counted at all (a period mixed before
    exact counting, or nobody answered). For an option, a member without the
    option's figure (nobody there chose it) counts its respondents apart.
    """
    members = sorted(firm_ids) if firm_ids is not None else [key.firm_id]
    parts = []
    for firm in members:
        found = figures.get(key._replace(firm_id=firm))
        if found is None and key.item:
            respondents = figures.get(key._replace(firm_id=firm, question_key="", item=""))
            if respondents is not None:
                found = People(0, {"1": respondents.people}, respondents.exact)
        if found is not None:
            parts.append(found)
    if not parts:
        return None
    answers = {answer for part in parts for answer in part.apart}
    return People(
        sum(part.people for part in parts),
        {answer: sum(part.apart_from(answer) for part in parts) for answer in sorted(answers)},
        all(part.exact for part in parts),
    )


def people_behind(
    session: Session,
    *,
    programme_id: int,
    firm_ids: Collection[int],
    survey_key: str,
    survey_version: int,
    question_key: str | None,
    attribute: str,
    value: str,
    period_kind: str,
    period: str,
    item: str = "",
) -> People | None:
    """The people behind one figure, added over ``firm_ids`` (one firm, or a pool's
    members); ``question_key`` None: its respondents. One query; readers that need
    many figures load them once with :func:`figure_people` and call :func:`people_of`.
    """
    members = sorted(set(firm_ids))
    if not members:
        raise ValueError("firm_ids must name at least one firm")
    key = FigureKey(
        programme_id,
        survey_key,
        survey_version,
        question_key or "",
        item if question_key else "",
        members[0],
        attribute,
        value,
        period_kind,
        period,
    )
    figures = figure_people(
        session, programme_id, survey_key=survey_key, period_kind=period_kind, firm_ids=members
    )
    return people_of(figures, key, members)
