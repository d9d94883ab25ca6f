"""Counting the exact people behind figures from the sessions of a period (no database).

The mixer (:mod:`surveys.intake.people_seals`) hands over, for one firm x
programme x survey version x period shown (month or round), every stored
session of the period so far as a :class:`Session`: its programme-scoped person
tag, the cohort it was *stored* under (``'*'`` where the batch generalised)
and its answers. :func:`count` turns them into the
:class:`~surveys.aggregates.people_counts.People` of every figure of that
period -- exact, since it sees all of the period's sessions at once.

Programme to date (:func:`to_date`): the respondents are exact (the mixer keeps
every respondent's programme tag, sealed); a question's or option's people are
bounded from the exact figures of its periods, because the answers of a closed
period are not kept (PRODUCT.md 2.3: nothing beyond who answered outlives its
period). With R the respondents to date and, per period p, R_p its respondents,
P_p those who answered the question and only_p(v) those whose every answer
was v:

* people >= max_p P_p, and >= R - sum_p (R_p - P_p) (who never answered the
  question skipped it in every period they answered);
* apart from v >= max_p apart_p(v), and >= people - sum_p only_p(v) (who only
  ever answered v did so in every period they answered it);
* an option's respondents apart >= max_p apart_p, and >= R - sum_p always_p
  (always_p: respondents of p who chose it in each of their responses).

Exact (and flagged so) when the programme has one period.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from surveys.aggregates.people_counts import EVERYONE, People
from surveys.domain.vocab import COHORT

__all__ = ["ATTRIBUTES", "FigureId", "Session", "count", "respondents", "to_date"]

#: The attributes a figure may be taken by: everyone, or one cohort attribute.
ATTRIBUTES = (EVERYONE, *COHORT)
#: (question_key, item, attribute, value): a figure within one stream and period.
FigureId = tuple[str, str, str, str]
Group = tuple[str, str]  # (attribute, value)


@dataclass(frozen=True)
class Session:
    """One stored response as the mixer counts its people (never stored in plain)."""

    person: str
    #: role, level band, tenure band, gender group as stored ('*' where generalised)
    cohort: tuple[str, str, str, str]
    #: (question, value) of every scalar answer
    scalars: tuple[tuple[str, str], ...] = ()
    #: (question, option) of every chosen option
    picks: tuple[tuple[str, str], ...] = ()

    def encode(self) -> list[Any]:
        return [self.person, list(self.cohort), [list(a) for a in self.scalars],
                [list(p) for p in self.picks]]  # fmt: skip

    @classmethod
    def decode(cls, data: Sequence[Any]) -> Session:
        person, cohort, scalars, picks = data
        return cls(
            person,
            (cohort[0], cohort[1], cohort[2], cohort[3]),
            tuple((q, v) for q, v in scalars),
            tuple((q, o) for q, o in picks),
        )

    def groups(self) -> list[Group]:
        return [(EVERYONE, EVERYONE), *zip(COHORT, self.cohort, strict=True)]


def respondents(members: Iterable[tuple[str, tuple[str, str, str, str]]]) -> dict[Group, int]:
    """Distinct people per attribute value from (person, stored cohort) pairs."""
    seen: dict[Group, set[str]] = defaultdict(set)
    for person, cohort in members:
        seen[EVERYONE, EVERYONE].add(person)
        for attribute, value in zip(COHORT, cohort, strict=True):
            seen[attribute, value].add(person)
    return {group: len(people) for group, people in seen.items()}


def count(sessions: Iterable[Session]) -> dict[FigureId, People]:
    """The exact people behind every figure the sessions count in (see the module)."""
    persons: dict[Group, set[str]] = defaultdict(set)
    visits: Counter[tuple[Group, str]] = Counter()
    given: dict[tuple[Group, str], set[tuple[str, str]]] = defaultdict(set)
    chose: Counter[tuple[Group, str, str, str]] = Counter()
    for session in sessions:
        person = session.person
        picks = set(session.picks)
        for group in session.groups():
            persons[group].add(person)
            visits[group, person] += 1
            for question, value in session.scalars:
                given[group, question].add((person, value))
            for question, option in picks:
                chose[group, question, option, person] += 1
    found: dict[FigureId, People] = {
        ("", "", *group): People(len(people)) for group, people in persons.items()
    }
    for (group, question), pairs in given.items():
        values_of = Counter(person for person, _ in pairs)
        only = Counter(value for person, value in pairs if values_of[person] == 1)
        answered = len(values_of)
        values = {value for _, value in pairs}
        apart = {value: answered - only.get(value, 0) for value in sorted(values)}
        found[question, "", *group] = People(answered, apart)
    choosers: Counter[tuple[Group, str, str]] = Counter()
    always: Counter[tuple[Group, str, str]] = Counter()
    for (group, question, option, person), times in chose.items():
        choosers[group, question, option] += 1
        if times == visits[group, person]:
            always[group, question, option] += 1
    for (group, question, option), people in choosers.items():
        apart_one = len(persons[group]) - always[group, question, option]
        found[question, option, *group] = People(people, {"1": apart_one})
    return found


def to_date(
    respondents_to_date: Mapping[Group, int],
    periods: Sequence[Mapping[FigureId, People]],
) -> dict[FigureId, People]:
    """Programme-to-date figures from exact respondents and each period's figures."""
    found: dict[FigureId, People] = {}
    keys = {key for figures in periods for key in figures}
    for key in keys:
        question, item, *rest = key
        group: Group = (rest[0], rest[1])
        total = respondents_to_date.get(group, 0)
        if not question:
            found[key] = People(total)
            continue
        parts = []  # (respondents of p, figure of p or None) for periods with respondents
        for figures in periods:
            answered = figures.get(("", "", *group))
            if answered is not None and answered.people:
                parts.append((answered.people, figures.get(key)))
        exact = len(parts) == 1 and all(p is not None and p.exact for _, p in parts)
        if item:
            people = max((p.people for _, p in parts if p is not None), default=0)
            always = sum(r - p.apart.get("1", r) for r, p in parts if p is not None)
            apart_one = max(
                max((p.apart.get("1", r) if p else r for r, p in parts), default=0),
                total - always,
            )
            found[key] = People(people, {"1": apart_one}, exact)
            continue
        skipped = sum(r - (p.people if p else 0) for r, p in parts)
        people = max(max((p.people for _, p in parts if p), default=0), total - skipped)
        values = {v for _, p in parts if p is not None for v in p.apart}
        apart = {}
        for value in sorted(values):
            only = sum(p.people - p.apart[value] for _, p in parts if p and value in p.apart)
            best = max((p.apart_from(value) for _, p in parts if p), default=0)
            apart[value] = max(best, people - only)
        found[key] = People(people, apart, exact)
    return found
