"""How many people stand behind each cell a mixer pass counts: lower bounds from person tags.

Pulses count sessions: a mentee with four meetings in a month answers four
pulses, so a cell's ``n`` (and each value's count) can be one person several
times over. The mixer opens each sealed submission with its *person tag*
(keyed, scoped to a tag period: the month of a pulse's week, or the round)
and drops the tag when it stores the answers. Before that,
:func:`headcounts` turns the tags of one pass into, per cell:

* ``people``: distinct people among the sessions counted in the cell (for the
  responses cell, the group's respondents; for a question, those who answered
  it; for an option, those who chose it);
* ``apart``: per value of the cell's histogram, distinct people with at least
  one counted session that gave a *different* answer -- another value of a
  scalar question, or (an option's value "1") a response of the same cohort
  and period without that option. The group attribute rule
  (:func:`surveys.disclosure.distribution`) needs these: "everyone (or all but
  fewer than k) gave 4" must be judged in people.

Soundness. Tags are compared only within one tag scope (the same person has
unrelated tags in two scopes), so each figure is the largest count within any
one scope: a lower bound whoever the people are. The tags of one pass are
compared across its batches, so a month cell counted from several weekly
batches of the same pass gets their union. Across passes the tags are gone, so
:func:`merged` keeps, per figure, the larger of the stored bound and the
pass's: a person counted by both cannot be recognised, and the larger of two
lower bounds is one. One more thing is known for sure: people who gave no
answer ``v`` at all in one side (the stored cell, or this pass) all gave
another one, so there they count apart from ``v`` in full; for an option, every
respondent of the cohort and period who did not choose it (a pass in which
nobody chose it still moves the option's cell, to record that).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from surveys.aggregates.cells import RESPONSES, AnswerLike, CellKey, ResponseLike, periods
from surveys.domain.vocab import COHORT

__all__ = ["Counted", "Headcount", "Tagged", "headcounts", "merged"]


@dataclass
class Headcount:
    """Lower bounds of the people behind one cell (see the module docstring)."""

    people: int = 0
    apart: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Counted:
    """What one side of a merge knows of a cell: its people and the answers they gave."""

    people: int
    apart: Mapping[str, int]
    histogram: Mapping[str, int]

    def apart_from(self, value: str, respondents: int | None) -> int:
        """People who gave another answer than ``value``. Nobody on this side gave
        it: all of them did -- for an option, all ``respondents`` of its cohort and
        period on this side (pass None for a scalar question)."""
        if self.histogram.get(value):
            return self.apart.get(value, 0)
        return self.people if respondents is None else respondents


def merged(
    stored: Mapping[CellKey, Counted],
    added: Mapping[CellKey, Mapping[str, int]],
    new: Mapping[CellKey, Headcount],
) -> dict[CellKey, Headcount]:
    """The people to store for every cell a pass writes: the stored bounds and the pass's.

    ``stored``: the cells of the pass's cohorts and periods as they are;
    ``added``: each written cell's new histogram (what this pass adds);
    ``new``: :func:`headcounts` of the pass. Returns the cells whose people
    change, including stored option cells of a cohort and period the pass
    answered without choosing them (written with nothing added).
    """
    respondents_before: dict[tuple[Any, ...], int] = {}
    respondents_now: dict[tuple[Any, ...], int] = {}
    for key, side in stored.items():
        if key.question_key == RESPONSES:
            respondents_before[key.group()] = side.people
    for key, count in new.items():
        if key.question_key == RESPONSES:
            respondents_now[key.group()] = count.people
    found: dict[CellKey, Headcount] = {}
    keys = set(added) | {
        key for key in stored if key.item and key.group() in respondents_now and key not in added
    }
    for key in keys:
        group = key.group()
        old = stored.get(key, Counted(0, {}, {}))
        now = Counted(
            new.get(key, Headcount()).people,
            new.get(key, Headcount()).apart,
            added.get(key, {}),
        )
        values = {v for side in (old, now) for v, c in side.histogram.items() if c}
        if key.question_key == RESPONSES:
            values = set()
        before = respondents_before.get(group, 0) if key.item else None
        after = respondents_now.get(group, 0) if key.item else None
        found[key] = Headcount(
            max(old.people, now.people),
            {
                value: max(old.apart_from(value, before), now.apart_from(value, after))
                for value in values
            },
        )
    return found


@dataclass(frozen=True)
class Tagged:
    """A response the mixer is storing, with the tag it came with (never stored)."""

    response: ResponseLike
    answers: Sequence[AnswerLike]
    scope: str
    tag: str


def _largest(per_scope: Iterable[int]) -> int:
    return max(per_scope, default=0)


def _tags() -> defaultdict[str, set[str]]:
    return defaultdict(set)


@dataclass
class _Group:
    """One cohort x period of a pass: who answered what (tags within their scopes)."""

    respondents: defaultdict[str, set[str]] = field(default_factory=_tags)
    #: question -> scope -> tag -> the values that person gave
    values: dict[str, dict[str, dict[str, set[str]]]] = field(default_factory=dict)
    #: (question, option) -> scope -> tags that chose it
    chose: dict[tuple[str, str], defaultdict[str, set[str]]] = field(default_factory=dict)
    #: scope -> tag -> the options chosen in each of that person's sessions
    sessions: dict[str, dict[str, list[frozenset[tuple[str, str]]]]] = field(default_factory=dict)


def headcounts(tagged: Iterable[Tagged]) -> dict[CellKey, Headcount]:
    """The people behind every cell the given responses count in (one pass's batches).

    The same cells as :func:`~surveys.aggregates.cells.contributions`, grouped
    per cohort x period first (a pass holds many sessions and few groups).
    """
    groups: dict[tuple[Any, ...], _Group] = defaultdict(_Group)
    counted_in: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for item in tagged:
        r, scope, tag = item.response, item.scope, item.tag
        scalars = [(a.question_key, str(a.value)) for a in item.answers if a.value is not None]
        options = frozenset(
            (a.question_key, a.item) for a in item.answers if a.value is None and a.item
        )
        head = (r.survey_key, r.survey_version, r.firm_id, r.programme_id)
        cohort = tuple(getattr(r, name) for name in COHORT)
        stored = (r.period_kind, r.period)
        if stored not in counted_in:
            counted_in[stored] = periods(*stored)
        for kind, period in counted_in[stored]:
            group = groups[(*head, *cohort, kind, period)]
            group.respondents[scope].add(tag)
            for question, value in scalars:
                by_scope = group.values.setdefault(question, {}).setdefault(scope, {})
                by_scope.setdefault(tag, set()).add(value)
            for pick in options:
                chose = group.chose.get(pick)
                if chose is None:
                    chose = group.chose[pick] = _tags()
                chose[scope].add(tag)
            group.sessions.setdefault(scope, {}).setdefault(tag, []).append(options)
    found: dict[CellKey, Headcount] = {}
    for key, group in groups.items():

        def cell(question: str, option: str) -> CellKey:
            return CellKey(key[0], key[1], question, option, *key[2:])  # noqa: B023

        found[cell(RESPONSES, "")] = Headcount(
            _largest(len(tags) for tags in group.respondents.values())
        )
        for question, scopes in group.values.items():
            given = {v for tags in scopes.values() for values in tags.values() for v in values}
            found[cell(question, "")] = Headcount(
                _largest(len(tags) for tags in scopes.values()),
                {
                    value: _largest(
                        sum(1 for values in tags.values() if values - {value})
                        for tags in scopes.values()
                    )
                    for value in given
                },
            )
        for (question, option), chose in group.chose.items():
            wanted = (question, option)
            apart = _largest(
                sum(1 for chosen in tags.values() if any(wanted not in s for s in chosen))
                for tags in group.sessions.values()
            )
            found[cell(question, option)] = Headcount(
                _largest(len(tags) for tags in chose.values()), {"1": apart}
            )
    return found
